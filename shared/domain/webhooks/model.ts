import type { DetailType } from '../../contracts/events/index';

/** The event types a subscription can ask for: every Diplowire detail-type (a unit test keeps them equal). */
export const WEBHOOK_EVENT_TYPES = [
  'NewsItemPublished',
  'NewsItemCorrected',
  'NewsItemRetracted',
  'NewsItemTranslated',
] as const satisfies readonly DetailType[];
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The key scope that lets a subscription receive events about other partners' items. */
export const EVENTS_ALL_SCOPE = 'events:all';

export interface SubscriptionFilter {
  /** BCP 47 language ranges; `en` matches `en` and `en-GB` (RFC 4647 basic filtering). */
  languages?: string[];
  /** Place keys as in the event's `places` (code, else uri, else name); exact match. */
  places?: string[];
  /** Partners whose items are delivered. Stored resolved: absent means every partner (needs `events:all`). */
  partners?: string[];
}

export type SubscriptionStatus = 'active' | 'disabled';

export interface Subscription {
  subscriptionId: string;
  partnerId: string;
  url: string;
  eventTypes: WebhookEventType[];
  filter: SubscriptionFilter;
  description?: string;
  /** Its endpoint's rate (send-rate.ts); absent: DEFAULT_DELIVERIES_PER_SECOND. */
  maxDeliveriesPerSecond?: number;
  status: SubscriptionStatus;
  disabledReason?: string;
  disabledAt?: string;
  /** Start of the current run of failed attempts; cleared by a success. */
  failingSince?: string;
  createdAt: string;
  updatedAt: string;
}

export interface SigningSecret {
  /** `whsec_` + base64 of 32 random bytes. */
  secret: string;
  createdAt: string;
  /** Set on a secret replaced by a rotation: it keeps signing until then. */
  retiresAt?: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';

export interface DeliveryAttempt {
  /** Redeliveries start a new sequence; attempts count from 1 within a sequence. */
  sequence: number;
  attempt: number;
  at: string;
  outcome: 'succeeded' | 'failed';
  httpStatus?: number;
  durationMs: number;
  /** ≤ 200 characters of the response body, control characters stripped. */
  responseExcerpt?: string;
  /** Why the attempt failed without an HTTP answer (timeout, refused, blocked address...). */
  error?: string;
}

export interface Delivery {
  /** Also the `webhook-id` header: the same on every attempt and every redelivery. */
  deliveryId: string;
  subscriptionId: string;
  partnerId: string;
  eventId: string;
  eventType: WebhookEventType;
  createdAt: string;
  status: DeliveryStatus;
  sequence: number;
  /** The attempt the next queue message must carry to be acted on. */
  nextAttempt: number;
  nextAttemptAt?: string;
  /** The attempt whose queue message is known to be sent (repairs a lost enqueue). */
  enqueuedAttempt?: number;
  finishedAt?: string;
  /** Why a delivery ended without success, e.g. `retries-exhausted`, `endpoint-gone`. */
  reason?: string;
  attempts: DeliveryAttempt[];
}

/** The deliveries queue message: which attempt of which delivery to make, and not before when. */
export interface DeliveryMessage {
  deliveryId: string;
  sequence: number;
  attempt: number;
  /** Epoch milliseconds; set when the wait exceeds SQS's 900 s delay and the message hops. */
  notBefore?: number;
  /** The attempt holds a send slot at `notBefore` (send-rate.ts): it goes then without taking another. */
  paced?: true;
  /**
   * The delivery's subscription, so the dispatcher reads the delivery and the subscription side by
   * side. A hint only: the delivery row is the truth, and a message without it (or with another id)
   * reads the subscription after the delivery.
   */
  subscriptionId?: string;
}

/** A subscription as the fan-out sees it (a match row): enough to apply the filter. */
export interface SubscriptionMatch {
  subscriptionId: string;
  partnerId: string;
  languages?: string[];
  places?: string[];
}

/** What the fan-out needs from an EventBridge event. */
export interface WebhookEvent {
  eventType: WebhookEventType;
  eventId: string;
  /** The partner whose item the event is about. */
  partnerId: string;
  language?: string;
  places?: string[];
  /** The envelope `time`. */
  time: string;
  detail: Record<string, unknown>;
}
