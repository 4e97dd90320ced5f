import type {
  Delivery,
  DeliveryAttempt,
  DeliveryMessage,
  DeliveryStatus,
  SigningSecret,
  Subscription,
  SubscriptionMatch,
  WebhookEventType,
} from './model';
import type { SendResult } from './outcome';
import type { SendRate } from './send-rate';

export interface Page<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  cursor?: string;
}

/** The subscription aggregate: subscriptions, their signing secrets and their match rows. */
export interface SubscriptionStore {
  /** Writes the subscription, its secret and its match rows; false when the partner is at its limit. */
  createSubscription(
    subscription: Subscription,
    secret: SigningSecret,
    maxPerPartner: number,
  ): Promise<boolean>;
  getSubscription(subscriptionId: string): Promise<Subscription | undefined>;
  /** The subscription with its signing secrets (the dispatcher and rotation only). */
  getSubscriptionWithSecrets(
    subscriptionId: string,
  ): Promise<{ subscription: Subscription; secrets: SigningSecret[] } | undefined>;
  /** Newest first. Throws InvalidCursorError for a cursor that is not this partner's. */
  listSubscriptions(partnerId: string, page: { limit: number; cursor?: string }): Promise<Page<Subscription>>;
  deleteSubscription(subscription: Subscription): Promise<void>;
  /** Replaces the secrets; false when they changed since `expected` was read (concurrent rotation). */
  replaceSecrets(subscriptionId: string, expected: SigningSecret[], next: SigningSecret[]): Promise<boolean>;
  /**
   * Enables a disabled subscription and writes its match rows back; false when it was not disabled
   * (already active, or deleted meanwhile).
   */
  enableSubscription(subscription: Subscription, at: string): Promise<boolean>;
  /** Disables an active subscription and removes its match rows; a no-op when already disabled or gone. */
  disableSubscription(subscription: Subscription, reason: string, at: string): Promise<void>;
  /** Starts a failing run unless one is running; returns its start. */
  markFailing(subscriptionId: string, at: string): Promise<string | undefined>;
  /** Ends a failing run that started at or before `succeededAt` (a later failure starts a new run). */
  clearFailing(subscriptionId: string, succeededAt: string): Promise<void>;
  /** Active subscriptions for the event type whose audience includes the partner. */
  findMatches(eventType: WebhookEventType, partnerId: string): Promise<SubscriptionMatch[]>;
}

/** The delivery aggregate: deliveries with their payload and attempts. */
export interface DeliveryStore {
  /** Conditional put of a new delivery and its payload; the existing delivery when it was already there. */
  createDelivery(
    delivery: Delivery,
    payload: string,
  ): Promise<{ created: true } | { created: false; existing: Delivery }>;
  getDelivery(deliveryId: string): Promise<Delivery | undefined>;
  getDeliveryWithPayload(deliveryId: string): Promise<{ delivery: Delivery; payload: string } | undefined>;
  /** Newest first. Throws InvalidCursorError for a cursor that is not this subscription's. */
  listDeliveries(subscriptionId: string, page: { limit: number; cursor?: string }): Promise<Page<Delivery>>;
  /** Deliveries created at or after `since` (ISO-8601), oldest first. */
  listDeliveriesSince(
    subscriptionId: string,
    since: string,
    page: { limit: number; cursor?: string },
  ): Promise<Page<Delivery>>;
  markEnqueued(deliveryId: string, sequence: number, attempt: number): Promise<void>;
  /**
   * Leases (sequence, attempt) to one worker for `leaseMs` (shared/domain/lease.ts); the lease
   * token, or undefined when the attempt is stale or leased elsewhere.
   */
  claimAttempt(
    deliveryId: string,
    sequence: number,
    attempt: number,
    nowMs: number,
    leaseMs: number,
  ): Promise<string | undefined>;
  /** Appends the attempt and moves the delivery on, if the lease `token` is still ours. */
  recordAttempt(
    deliveryId: string,
    record: DeliveryAttempt,
    next: { status: DeliveryStatus; nextAttemptAt?: string; finishedAt?: string; reason?: string },
    token: string,
  ): Promise<boolean>;
  /** Ends a pending delivery without an attempt (subscription deleted or disabled). */
  cancelDelivery(deliveryId: string, sequence: number, reason: string, at: string): Promise<void>;
  /** Starts a new attempt sequence (a redelivery); returns the new sequence. */
  restartDelivery(deliveryId: string, at: string): Promise<number>;
}

/**
 * The pace of sends per subscription (send-rate.ts), shared by every dispatcher: one small row
 * per subscription, changed atomically, so concurrent dispatchers never exceed the rate together.
 */
export interface SendPacer {
  /** Reserves the next send slot of the subscription: when it is (epoch ms; at or before now: send now). */
  reserve(subscriptionId: string, rate: SendRate, nowMs: number): Promise<number>;
  /** Holds every send of the subscription until `untilMs` (never shortens a longer hold). */
  pause(subscriptionId: string, rate: SendRate, untilMs: number): Promise<void>;
}

export interface DeliveryQueue {
  enqueue(message: DeliveryMessage, delaySeconds: number): Promise<void>;
}

/** One webhook message; the sender signs it (Standard Webhooks headers) and POSTs it. */
export interface WebhookRequest {
  url: string;
  /** The message id receivers deduplicate on: the delivery id, the same on every attempt. */
  messageId: string;
  /** When it is sent; signed with the body, so receivers can refuse stale replays. */
  sentAt: Date;
  /** The subscription's active secrets: one signature each, so either verifies during a rotation. */
  secrets: readonly string[];
  body: string;
}

export interface WebhookSender {
  send(request: WebhookRequest): Promise<SendResult>;
}

/** Checks a registered URL's host in DNS; returns why it is refused, or undefined. */
export interface HostVerifier {
  refusal(url: URL): Promise<string | undefined>;
}

export class InvalidCursorError extends Error {
  constructor() {
    super('The cursor is not valid for this listing');
    this.name = 'InvalidCursorError';
  }
}

/**
 * Whether a partner may still own live webhooks. Fan-out and dispatch ask it for every subscription
 * owner, so a subscription a revoked partner left behind (or registered with a key the gateway had
 * cached) never receives another event.
 */
export interface PartnerStatus {
  isActive(partnerId: string): Promise<boolean>;
}
