import { sanitiseExcerpt } from './excerpt';
import type { Delivery, DeliveryAttempt, DeliveryMessage } from './model';
import { judgeAttempt } from './outcome';
import type {
  DeliveryQueue,
  DeliveryStore,
  PartnerStatus,
  SendPacer,
  SubscriptionStore,
  WebhookSender,
} from './ports';
import { delayBeforeAttempt, MAX_SQS_DELAY_SECONDS, queueDelay } from './retry';
import { PARTNER_REVOKED, PARTNER_REVOKED_REASON } from './revocation';
import { activeSecrets } from './secrets';
import { DEFAULT_PAUSE_SECONDS, sendRateOf } from './send-rate';

export interface DispatcherOptions {
  subscriptions: Pick<
    SubscriptionStore,
    'getSubscriptionWithSecrets' | 'disableSubscription' | 'markFailing' | 'clearFailing'
  >;
  deliveries: Omit<DeliveryStore, 'createDelivery' | 'getDelivery' | 'listDeliveries' | 'restartDelivery'>;
  queue: DeliveryQueue;
  sender: WebhookSender;
  /** The per-subscription pace of sends (send-rate.ts). */
  pacer: SendPacer;
  /** Subscriptions of a revoked partner are never sent to (and are disabled on sight). */
  partners: PartnerStatus;
  /** Delay before each attempt in seconds; its length is the number of attempts. */
  retrySchedule: readonly number[];
  /** A subscription failing continuously for this long is disabled. */
  disableAfterSeconds: number;
  /** How long one worker holds an attempt (longer than the send timeout). */
  leaseMs: number;
  now?: () => Date;
  random?: () => number;
}

export type DispatchOutcome =
  | 'waiting'
  /** Over the subscription's rate: back on the queue until the send slot it reserved. */
  | 'paced'
  | 'stale'
  | 'cancelled'
  /** The subscription's partner is revoked: cancelled, and the subscription disabled. */
  | 'refused'
  | 'succeeded'
  | 'retrying'
  | 'failed'
  | 'gone'
  | 'repaired';

/**
 * Makes one attempt of one delivery, as asked by a queue message, and schedules the next through
 * the queue. Idempotent per message: a message for an attempt that is done, superseded by a
 * redelivery, or leased by another worker does nothing (SQS delivers at least once).
 */
export class Dispatcher {
  private readonly now: () => Date;

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async dispatch(message: DeliveryMessage): Promise<DispatchOutcome> {
    const { subscriptions, deliveries, queue } = this.options;
    const now = this.now();
    // Longer waits than SQS allows hop through the queue until their time has come.
    if (message.notBefore !== undefined && message.notBefore > now.getTime() + 1000) {
      const wait = Math.min(MAX_SQS_DELAY_SECONDS, Math.ceil((message.notBefore - now.getTime()) / 1000));
      await queue.enqueue(message, wait);
      return 'waiting';
    }

    // With the subscription named in the message, both rows are read side by side.
    const [loaded, hinted] = await Promise.all([
      deliveries.getDeliveryWithPayload(message.deliveryId),
      message.subscriptionId === undefined
        ? undefined
        : subscriptions.getSubscriptionWithSecrets(message.subscriptionId),
    ]);
    if (loaded === undefined) return 'stale';
    const { delivery, payload } = loaded;
    if (delivery.sequence !== message.sequence || delivery.status !== 'pending') return 'stale';
    if (delivery.nextAttempt !== message.attempt) {
      // The attempt before was recorded but the message for this one may never have been sent.
      if (delivery.nextAttempt === message.attempt + 1 && delivery.enqueuedAttempt !== delivery.nextAttempt) {
        await this.schedule(delivery, delivery.sequence, delivery.nextAttempt, delivery.nextAttemptAt);
        return 'repaired';
      }
      return 'stale';
    }

    const target =
      message.subscriptionId === delivery.subscriptionId
        ? hinted
        : await subscriptions.getSubscriptionWithSecrets(delivery.subscriptionId);
    if (target === undefined || target.subscription.status !== 'active') {
      const reason = target === undefined ? 'subscription-deleted' : 'subscription-disabled';
      await deliveries.cancelDelivery(delivery.deliveryId, delivery.sequence, reason, now.toISOString());
      return 'cancelled';
    }
    const { subscription } = target;
    if (!(await this.options.partners.isActive(subscription.partnerId))) {
      // Disable first: if the cancel then fails, SQS retries this message and it gets here again.
      await subscriptions.disableSubscription(subscription, PARTNER_REVOKED_REASON, now.toISOString());
      await deliveries.cancelDelivery(
        delivery.deliveryId,
        delivery.sequence,
        PARTNER_REVOKED,
        now.toISOString(),
      );
      return 'refused';
    }
    const rate = sendRateOf(subscription);
    if (!message.paced) {
      const slotAt = await this.options.pacer.reserve(subscription.subscriptionId, rate, now.getTime());
      if (slotAt > now.getTime()) {
        // The slot is this attempt's: it comes back then (SQS delays in whole seconds, never
        // early) and goes without asking again.
        const wait = Math.min(MAX_SQS_DELAY_SECONDS, Math.ceil((slotAt - now.getTime()) / 1000));
        await queue.enqueue({ ...message, notBefore: slotAt, paced: true }, wait);
        return 'paced';
      }
    }
    const lease = await deliveries.claimAttempt(
      delivery.deliveryId,
      message.sequence,
      message.attempt,
      now.getTime(),
      this.options.leaseMs,
    );
    if (lease === undefined) return 'stale';

    const sentAt = this.now();
    const secrets = activeSecrets(target.secrets, sentAt).map((s) => s.secret);
    const result = await this.options.sender.send({
      url: subscription.url,
      messageId: delivery.deliveryId,
      sentAt,
      secrets,
      body: payload,
    });
    const doneAt = this.now();
    const verdict = judgeAttempt(result, doneAt);
    const retryAfter = verdict.verdict === 'retry' ? verdict.retryAfterSeconds : undefined;
    if (result.kind === 'response' && (result.status === 429 || retryAfter !== undefined)) {
      // The receiver asked for a pause: every delivery to it waits, not only this one.
      const seconds = retryAfter ?? DEFAULT_PAUSE_SECONDS;
      await this.options.pacer.pause(subscription.subscriptionId, rate, doneAt.getTime() + seconds * 1000);
    }
    const excerpt = result.kind === 'response' ? sanitiseExcerpt(result.body) : undefined;
    const record: DeliveryAttempt = {
      sequence: message.sequence,
      attempt: message.attempt,
      at: sentAt.toISOString(),
      outcome: verdict.verdict === 'succeeded' ? 'succeeded' : 'failed',
      durationMs: result.durationMs,
      ...(result.kind === 'response' && { httpStatus: result.status }),
      ...(excerpt !== undefined && { responseExcerpt: excerpt }),
      ...(result.kind === 'error' && { error: result.error }),
    };
    const finishedAt = doneAt.toISOString();

    if (verdict.verdict === 'succeeded') {
      await deliveries.recordAttempt(delivery.deliveryId, record, { status: 'succeeded', finishedAt }, lease);
      // Always, not only when the copy read before sending had a failing run: a concurrent delivery
      // may have started one since, and this success ends it.
      await subscriptions.clearFailing(subscription.subscriptionId, finishedAt);
      return 'succeeded';
    }
    // Disabling comes before the attempt is recorded: if it throws, the delivery is still pending and
    // SQS's retry (after the visibility timeout, past the lease) attempts it again and disables then.
    // The other order could finish the delivery and lose the disable.
    if (verdict.verdict === 'gone') {
      await subscriptions.disableSubscription(
        subscription,
        `The endpoint answered 410 Gone at ${finishedAt}.`,
        finishedAt,
      );
      await deliveries.recordAttempt(
        delivery.deliveryId,
        record,
        {
          status: 'failed',
          finishedAt,
          reason: 'endpoint-gone',
        },
        lease,
      );
      return 'gone';
    }

    const failingSince =
      (await subscriptions.markFailing(subscription.subscriptionId, finishedAt)) ?? finishedAt;
    const failingFor = (doneAt.getTime() - Date.parse(failingSince)) / 1000;
    if (failingFor >= this.options.disableAfterSeconds) {
      await subscriptions.disableSubscription(
        subscription,
        `Deliveries have failed continuously since ${failingSince}.`,
        finishedAt,
      );
      await deliveries.recordAttempt(
        delivery.deliveryId,
        record,
        {
          status: 'failed',
          finishedAt,
          reason: 'subscription-disabled',
        },
        lease,
      );
      return 'failed';
    }

    const nextAttempt = message.attempt + 1;
    const delay = delayBeforeAttempt(
      this.options.retrySchedule,
      nextAttempt,
      verdict.retryAfterSeconds,
      this.options.random,
    );
    if (delay === undefined) {
      await deliveries.recordAttempt(
        delivery.deliveryId,
        record,
        {
          status: 'failed',
          finishedAt,
          reason: 'retries-exhausted',
        },
        lease,
      );
      return 'failed';
    }
    const nextAttemptAt = new Date(doneAt.getTime() + delay * 1000).toISOString();
    if (
      !(await deliveries.recordAttempt(
        delivery.deliveryId,
        record,
        { status: 'pending', nextAttemptAt },
        lease,
      ))
    )
      return 'stale';
    await this.schedule(delivery, message.sequence, nextAttempt, nextAttemptAt);
    return 'retrying';
  }

  private async schedule(
    { deliveryId, subscriptionId }: Pick<Delivery, 'deliveryId' | 'subscriptionId'>,
    sequence: number,
    attempt: number,
    at: string | undefined,
  ): Promise<void> {
    const nowMs = this.now().getTime();
    const waitSeconds = at === undefined ? 0 : Math.max(0, (Date.parse(at) - nowMs) / 1000);
    const { delaySeconds, notBefore } = queueDelay(waitSeconds, nowMs);
    await this.options.queue.enqueue(
      { deliveryId, sequence, attempt, subscriptionId, ...(notBefore !== undefined && { notBefore }) },
      delaySeconds,
    );
    await this.options.deliveries.markEnqueued(deliveryId, sequence, attempt);
  }
}
