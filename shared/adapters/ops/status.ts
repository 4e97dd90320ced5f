/** Gathers `npm run ops -- status` from the stage's services; shared/domain/ops/status.ts judges it. */
import {
  type DeadLetterQueueStatus,
  type DeliveryFailureRate,
  type DisabledSubscription,
  failureRateOf,
  RELEASE_GRACE_MS,
  type StatusReport,
} from '../../domain/ops/status';
import type { Delivery, Subscription } from '../../domain/webhooks/model';
import { DynamoDeliveryStore } from '../dynamodb/delivery-store';
import { DynamoPartnerStore } from '../dynamodb/partner-store';
import { DynamoSubscriptionStore } from '../dynamodb/subscription-store';
import type { OpsEnvironment } from './environment';
import { heldSummary } from './held';
import { queueFacts } from './queues';

export async function deadLetterQueues(env: OpsEnvironment): Promise<DeadLetterQueueStatus[]> {
  const facts = await Promise.all(env.resources.deadLetterQueueUrls.map((url) => queueFacts(env.sqs, url)));
  const ages = await env.monitoring.oldestMessageAgesMs(facts.map((f) => f.name));
  return facts.map((f) => ({
    name: f.name,
    url: f.url,
    arn: f.arn,
    visible: f.visible,
    inFlight: f.inFlight,
    oldestAgeMs: ages.get(f.name) ?? { available: false, reason: 'not measured' },
    sources: f.sources,
  }));
}

/** Every subscription of every partner (partners are few; subscriptions are listed per partner by GSI1). */
async function allSubscriptions(env: OpsEnvironment): Promise<Subscription[]> {
  const partners = await new DynamoPartnerStore(env.dynamodb, env.resources.partnersTable).listPartners();
  const store = new DynamoSubscriptionStore(env.dynamodb, env.resources.webhooksTable);
  const subscriptions: Subscription[] = [];
  for (const partner of partners) {
    let cursor: string | undefined;
    do {
      const page = await store.listSubscriptions(partner.partnerId, {
        limit: 100,
        ...(cursor && { cursor }),
      });
      subscriptions.push(...page.items);
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
  return subscriptions;
}

/** Attempts and failures per subscription, over the deliveries created in the window. */
async function failureRates(
  env: OpsEnvironment,
  subscriptions: Subscription[],
  since: string,
): Promise<DeliveryFailureRate[]> {
  const store = new DynamoDeliveryStore(env.dynamodb, env.resources.webhooksTable);
  const rates: DeliveryFailureRate[] = [];
  for (const subscription of subscriptions) {
    const deliveries: Delivery[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listDeliveriesSince(subscription.subscriptionId, since, {
        limit: 100,
        ...(cursor && { cursor }),
      });
      deliveries.push(...page.items);
      cursor = page.cursor;
    } while (cursor !== undefined);
    const rate = failureRateOf(deliveries, since);
    if (rate.attempts === 0) continue;
    rates.push({
      subscriptionId: subscription.subscriptionId,
      partnerId: subscription.partnerId,
      status: subscription.status,
      ...rate,
    });
  }
  return rates.sort((a, b) => b.rate - a.rate || b.attempts - a.attempts);
}

export async function gatherStatus(env: OpsEnvironment, now: Date, windowMs: number): Promise<StatusReport> {
  const { resources, monitoring } = env;
  const since = new Date(now.getTime() - windowMs).toISOString();
  const [alarms, queues, iterator, held, subscriptions] = await Promise.all([
    monitoring.alarmsInAlarm(resources.alarmNamePrefix),
    deadLetterQueues(env),
    monitoring.iteratorAgeMs(resources.outboxPublisherFunction),
    heldSummary(env.dynamodb, resources.itemsTable, now, RELEASE_GRACE_MS),
    allSubscriptions(env),
  ]);
  const disabledSubscriptions: DisabledSubscription[] = subscriptions
    .filter((s) => s.status === 'disabled')
    .map(({ subscriptionId, partnerId, url, disabledAt, disabledReason }) => ({
      subscriptionId,
      partnerId,
      url,
      ...(disabledAt && { disabledAt }),
      ...(disabledReason && { disabledReason }),
    }));
  return {
    stage: resources.stage,
    mode: env.mode,
    at: now.toISOString(),
    alarms,
    deadLetterQueues: queues,
    outboxIteratorAgeMs: iterator,
    held,
    disabledSubscriptions,
    deliveryFailures: { windowMs, since, subscriptions: await failureRates(env, subscriptions, since) },
    dashboardUrl:
      resources.dashboardUrl !== undefined
        ? { available: true, value: resources.dashboardUrl }
        : {
            available: false,
            reason:
              env.mode === 'local' ? 'the local cloud has no CloudWatch dashboards' : 'no dashboard output',
          },
  };
}
