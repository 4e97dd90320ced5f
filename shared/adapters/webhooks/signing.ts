import { Webhook } from 'standardwebhooks';

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
