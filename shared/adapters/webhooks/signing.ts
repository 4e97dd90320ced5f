import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks symmetric signing (v1): HMAC-SHA256 over `<msg_id>.<timestamp>.<payload>` with the
 * secret's base64-decoded bytes, written `v1,<base64>`. A few lines on node:crypto instead of the
 * `standardwebhooks` package, which signs with a pure-JS SHA-256 and base64 (about 12 KB of CommonJS
 * evaluated at every dispatcher cold start; docs/dependencies.md). The tests check these signatures
 * against the specification's vectors and the `standardwebhooks` verifier.
 */
const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The HMAC key of a `whsec_` secret; refuses what the reference library refuses (bad base64, empty). */
function signingKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64.test(encoded)) throw new RangeError('Signing secret is not base64');
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new RangeError('Signing secret is empty');
  return key;
}

/** One `v1,<base64>` signature (Standard Webhooks: whole seconds since the epoch in the signed content). */
export function sign(secret: string, msgId: string, at: Date, payload: string): string {
  const signed = `${msgId}.${Math.floor(at.getTime() / 1000)}.${payload}`;
  return `v1,${createHmac('sha256', signingKey(secret)).update(signed, 'utf8').digest('base64')}`;
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
  return secrets.map((secret) => sign(secret, msgId, at, payload)).join(' ');
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
