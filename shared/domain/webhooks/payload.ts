import type { WebhookEvent } from './model';

/**
 * The webhook body, in Standard Webhooks' shape: `type` is the EventBridge detail-type, `timestamp`
 * the event's time, `data` the event detail exactly as published (see docs/events.md). Serialised
 * once, when the delivery is created, so every attempt sends (and signs) the same bytes.
 */
export function webhookPayload(event: WebhookEvent): string {
  return JSON.stringify({ type: event.eventType, timestamp: event.time, data: event.detail });
}
