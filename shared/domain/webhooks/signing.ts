import { createHash, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { SigningSecret } from './model';

/** Standard Webhooks symmetric secret: `whsec_` + base64 of 32 random bytes (256 bits, the HMAC-SHA256 block). */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The secrets that sign at `now`: the current one and any retired one still inside its rotation window. */
export function activeSecrets(secrets: readonly SigningSecret[], now: Date): SigningSecret[] {
  return secrets.filter((s) => s.retiresAt === undefined || Date.parse(s.retiresAt) > now.getTime());
}

/**
 * The `webhook-signature` header: one `v1,<base64>` per active secret, space-separated (Standard
 * Webhooks), so receivers verify with the old or the new secret during a rotation window.
 */
export function signatureHeader(
  secrets: readonly string[],
  msgId: string,
  at: Date,
  payload: string,
): string {
  if (secrets.length === 0) throw new RangeError('No signing secret');
  return secrets.map((secret) => new Webhook(secret).sign(msgId, at, payload)).join(' ');
}

/** The signed request headers of one attempt. */
export function webhookHeaders(
  secrets: readonly string[],
  msgId: string,
  at: Date,
  payload: string,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatureHeader(secrets, msgId, at, payload),
  };
}

/**
 * The delivery id, also the `webhook-id`: deterministic per (event, subscription), so a redelivered
 * event maps to the same delivery (deduplicated on write) and receivers deduplicate on it.
 * `msg_` + 32 hex characters of SHA-256 (no `.`, which the signature scheme forbids in ids).
 */
export function deliveryIdOf(eventId: string, subscriptionId: string): string {
  return `msg_${createHash('sha256').update(`${eventId}:${subscriptionId}`, 'utf8').digest('hex').slice(0, 32)}`;
}

export const isDeliveryId = (value: string): boolean => /^msg_[0-9a-f]{32}$/.test(value);
