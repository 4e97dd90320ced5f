/**
 * Operator recovery of a webhook subscription (`npm run ops -- subscriptions enable`): re-enable a
 * disabled subscription and, optionally, redeliver what failed since a time (what Svix calls
 * "recover"). Redelivery starts a new attempt sequence with the same `webhook-id`, exactly as the
 * partner's own `POST .../redeliver` does, so receivers deduplicate it the same way.
 */
import { ConflictError, NotFoundError } from '../errors';
import type { Delivery, Subscription } from './model';
import type { DeliveryQueue, DeliveryStore, PartnerStatus, SubscriptionStore } from './ports';

export interface RecoveryPorts {
  subscriptions: Pick<SubscriptionStore, 'getSubscription' | 'enableSubscription'>;
  deliveries: Pick<DeliveryStore, 'listDeliveriesSince' | 'restartDelivery' | 'markEnqueued'>;
  queue: DeliveryQueue;
  partners: PartnerStatus;
}

export interface RecoveryResult {
  subscription: Subscription;
  /** False when it was already active (nothing to enable; redelivery still runs). */
  enabled: boolean;
  /** Deliveries queued again, oldest first. */
  redelivered: Array<
    Pick<Delivery, 'deliveryId' | 'eventId' | 'eventType' | 'createdAt' | 'status'> & { reason?: string }
  >;
}

/** What failed from the partner's point of view: given up on, or cancelled because the subscription was disabled. */
export function needsRedelivery(delivery: Delivery): boolean {
  return (
    delivery.status === 'failed' ||
    (delivery.status === 'cancelled' && delivery.reason === 'subscription-disabled')
  );
}

/** Queues a fresh attempt sequence of a delivery (same `webhook-id`); returns its sequence. */
export async function requeueDelivery(
  deliveries: Pick<DeliveryStore, 'restartDelivery' | 'markEnqueued'>,
  queue: DeliveryQueue,
  deliveryId: string,
  at: string,
): Promise<number> {
  const sequence = await deliveries.restartDelivery(deliveryId, at);
  await queue.enqueue({ deliveryId, sequence, attempt: 1 }, 0);
  await deliveries.markEnqueued(deliveryId, sequence, 1);
  return sequence;
}

/**
 * Enables the subscription (its match rows come back, so the fan-out finds it again) and, with
 * `redeliverSince`, requeues every delivery created since then that failed. Refuses a subscription of
 * a revoked partner: the dispatcher would disable it again on its first delivery.
 */
export async function recoverSubscription(
  ports: RecoveryPorts,
  subscriptionId: string,
  options: { redeliverSince?: Date; now: Date },
): Promise<RecoveryResult> {
  const subscription = await ports.subscriptions.getSubscription(subscriptionId);
  if (subscription === undefined) throw new NotFoundError(`No subscription ${subscriptionId}.`);
  if (!(await ports.partners.isActive(subscription.partnerId)))
    throw new ConflictError(
      `The subscription's partner ${subscription.partnerId} is revoked; a revoked partner's webhooks stay disabled.`,
    );
  const at = options.now.toISOString();
  const enabled =
    subscription.status === 'disabled' && (await ports.subscriptions.enableSubscription(subscription, at));
  const current: Subscription = enabled ? { ...subscription, status: 'active', updatedAt: at } : subscription;
  if (enabled) {
    delete current.disabledAt;
    delete current.disabledReason;
    delete current.failingSince;
  }
  const redelivered: RecoveryResult['redelivered'] = [];
  if (options.redeliverSince !== undefined) {
    const since = options.redeliverSince.toISOString();
    let cursor: string | undefined;
    do {
      const page = await ports.deliveries.listDeliveriesSince(subscriptionId, since, {
        limit: 100,
        ...(cursor !== undefined && { cursor }),
      });
      for (const delivery of page.items.filter(needsRedelivery)) {
        await requeueDelivery(ports.deliveries, ports.queue, delivery.deliveryId, at);
        const { deliveryId, eventId, eventType, createdAt, status, reason } = delivery;
        redelivered.push({ deliveryId, eventId, eventType, createdAt, status, ...(reason && { reason }) });
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
  return { subscription: current, enabled, redelivered };
}
