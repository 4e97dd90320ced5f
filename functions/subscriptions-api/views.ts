import type {
  DeliveryListView,
  DeliveryView,
  SubscriptionListView,
  SubscriptionView,
} from '#shared/contracts/api/schemas.ts';
import type { Delivery, Subscription } from '#shared/domain/webhooks/model.ts';
import type { Page } from '#shared/domain/webhooks/ports.ts';
import { sendRateOf } from '#shared/domain/webhooks/send-rate.ts';

/** The API's views of subscriptions and deliveries; shapes are fixed by shared/contracts/api/schemas.ts. */

export const subscriptionPath = (id: string): string => `/v1/subscriptions/${id}`;

export function subscriptionView(s: Subscription): SubscriptionView {
  return {
    id: s.subscriptionId,
    url: s.url,
    eventTypes: s.eventTypes,
    filter: s.filter,
    ...(s.description !== undefined && { description: s.description }),
    maxDeliveriesPerSecond: sendRateOf(s).perSecond,
    status: s.status,
    ...(s.disabledReason !== undefined && { disabledReason: s.disabledReason }),
    ...(s.disabledAt !== undefined && { disabledAt: s.disabledAt }),
    ...(s.failingSince !== undefined && { failingSince: s.failingSince }),
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    links: {
      self: subscriptionPath(s.subscriptionId),
      deliveries: `${subscriptionPath(s.subscriptionId)}/deliveries`,
    },
  };
}

export function subscriptionList(page: Page<Subscription>): SubscriptionListView {
  return { subscriptions: page.items.map(subscriptionView), ...(page.cursor && { next: page.cursor }) };
}

export function deliveryView(d: Delivery): DeliveryView {
  return {
    id: d.deliveryId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    createdAt: d.createdAt,
    ...(d.status === 'pending' && d.nextAttemptAt !== undefined && { nextAttemptAt: d.nextAttemptAt }),
    ...(d.finishedAt !== undefined && { finishedAt: d.finishedAt }),
    ...(d.reason !== undefined && { reason: d.reason }),
    attempts: d.attempts,
    links: { redeliver: `${subscriptionPath(d.subscriptionId)}/deliveries/${d.deliveryId}/redeliver` },
  };
}

export function deliveryList(page: Page<Delivery>): DeliveryListView {
  return { deliveries: page.items.map(deliveryView), ...(page.cursor && { next: page.cursor }) };
}
