export { deliveryIdOf, isDeliveryId } from './delivery-id';
export { Dispatcher, type DispatcherOptions, type DispatchOutcome } from './dispatcher';
export { MAX_EXCERPT_CHARS, sanitiseExcerpt } from './excerpt';
export { type FanOutResult, fanOut, toWebhookEvent, UnroutableEventError } from './fanout';
export { languageMatches, matchesFilter } from './filter';
export * from './model';
export { type AttemptVerdict, judgeAttempt, type SendResult } from './outcome';
export { webhookPayload } from './payload';
export * from './ports';
export {
  needsRedelivery,
  type RecoveryPorts,
  type RecoveryResult,
  recoverSubscription,
  requeueDelivery,
} from './recovery';
export {
  parseSubscriptionRequest,
  type Registrant,
  SUBSCRIPTION_LIMITS,
  type SubscriptionRequest,
} from './registration';
export * from './retry';
export { disablePartnerSubscriptions, PARTNER_REVOKED, PARTNER_REVOKED_REASON } from './revocation';
export { activeSecrets, newSigningSecret } from './secrets';
export * from './send-rate';
export { SubscriptionsService, type SubscriptionsServiceOptions } from './subscriptions-service';
export * from './url-policy';
