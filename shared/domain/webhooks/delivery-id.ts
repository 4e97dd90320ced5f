import { createHash } from 'node:crypto';

/**
 * The delivery id, also the `webhook-id`: deterministic per (event, subscription), so a redelivered
 * event maps to the same delivery (deduplicated on write) and receivers deduplicate on it.
 * `msg_` + 32 hex characters of SHA-256 (no `.`, which the signature scheme forbids in ids).
 */
export function deliveryIdOf(eventId: string, subscriptionId: string): string {
  return `msg_${createHash('sha256').update(`${eventId}:${subscriptionId}`, 'utf8').digest('hex').slice(0, 32)}`;
}

export const isDeliveryId = (value: string): boolean => /^msg_[0-9a-f]{32}$/.test(value);
