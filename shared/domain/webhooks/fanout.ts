import { EVENT_SOURCE } from '../../contracts/events/names';
import { deliveryIdOf } from './delivery-id';
import { matchesFilter } from './filter';
import type { Delivery, WebhookEvent } from './model';
import { WEBHOOK_EVENT_TYPES } from './model';
import { webhookPayload } from './payload';
import type { DeliveryQueue, DeliveryStore, PartnerStatus, SubscriptionStore } from './ports';

export interface FanOutResult {
  matched: number;
  created: number;
  /** Deliveries that existed already (a redelivered event) and needed nothing. */
  duplicates: number;
  /** Deliveries that existed but whose first message had not been sent; sent now. */
  repaired: number;
  /** Matches owned by a revoked partner: no delivery is created for them. */
  refused: number;
}

/** The envelope did not carry what the fan-out needs (logged and sent to the target's DLQ). */
export class UnroutableEventError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'UnroutableEventError';
  }
}

/**
 * Reads an EventBridge event into what the fan-out needs, without zod (it would triple the bundle):
 * the detail-type must be a webhook event type and the detail must name its eventId and partnerId.
 */
export function toWebhookEvent(envelope: {
  source?: unknown;
  'detail-type'?: unknown;
  time?: unknown;
  detail?: unknown;
}): WebhookEvent {
  // Only public events: a held version (source diplowire.items.embargoed) never reaches a webhook.
  if (envelope.source !== undefined && envelope.source !== EVENT_SOURCE) {
    throw new UnroutableEventError(`Not a public Diplowire event source: ${String(envelope.source)}`);
  }
  const eventType = envelope['detail-type'];
  if (!(WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(eventType)) {
    throw new UnroutableEventError(`Not a webhook event type: ${String(eventType)}`);
  }
  const detail = envelope.detail;
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    throw new UnroutableEventError('The event has no detail object');
  }
  const d = detail as Record<string, unknown>;
  if (typeof d.eventId !== 'string' || typeof d.partnerId !== 'string' || typeof envelope.time !== 'string') {
    throw new UnroutableEventError('The event lacks detail.eventId, detail.partnerId or time');
  }
  const places = Array.isArray(d.places)
    ? d.places.filter((p): p is string => typeof p === 'string')
    : undefined;
  return {
    eventType: eventType as WebhookEvent['eventType'],
    eventId: d.eventId,
    partnerId: d.partnerId,
    ...(typeof d.language === 'string' && { language: d.language }),
    ...(places !== undefined && { places }),
    time: envelope.time,
    detail: d,
  };
}

/**
 * One delivery per matching subscription, created with a conditional write keyed by a deterministic
 * id, then one queue message each. An event delivered twice creates nothing new; a delivery whose
 * message was never sent (a crash between the two steps) gets it now.
 */
export async function fanOut(
  event: WebhookEvent,
  deps: {
    subscriptions: Pick<SubscriptionStore, 'findMatches'>;
    deliveries: Pick<DeliveryStore, 'createDelivery' | 'markEnqueued'>;
    queue: DeliveryQueue;
    partners: PartnerStatus;
    now?: () => Date;
  },
): Promise<FanOutResult> {
  const now = deps.now ?? (() => new Date());
  const matches = (await deps.subscriptions.findMatches(event.eventType, event.partnerId)).filter((m) =>
    matchesFilter(m, event),
  );
  const payload = webhookPayload(event);
  const result: FanOutResult = {
    matched: matches.length,
    created: 0,
    duplicates: 0,
    repaired: 0,
    refused: 0,
  };
  for (const match of matches) {
    if (!(await deps.partners.isActive(match.partnerId))) {
      result.refused++;
      continue;
    }
    const createdAt = now().toISOString();
    const delivery: Delivery = {
      deliveryId: deliveryIdOf(event.eventId, match.subscriptionId),
      subscriptionId: match.subscriptionId,
      partnerId: match.partnerId,
      eventId: event.eventId,
      eventType: event.eventType,
      createdAt,
      status: 'pending',
      sequence: 1,
      nextAttempt: 1,
      nextAttemptAt: createdAt,
      attempts: [],
    };
    const outcome = await deps.deliveries.createDelivery(delivery, payload);
    let target = delivery;
    if (outcome.created) result.created++;
    else {
      target = outcome.existing;
      const needsMessage = target.status === 'pending' && target.enqueuedAttempt === undefined;
      if (!needsMessage) {
        result.duplicates++;
        continue;
      }
      result.repaired++;
    }
    await deps.queue.enqueue(
      {
        deliveryId: target.deliveryId,
        sequence: target.sequence,
        attempt: target.nextAttempt,
        subscriptionId: target.subscriptionId,
      },
      0,
    );
    await deps.deliveries.markEnqueued(target.deliveryId, target.sequence, target.nextAttempt);
  }
  return result;
}
