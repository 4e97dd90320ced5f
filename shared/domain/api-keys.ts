import { createHash, randomBytes } from 'node:crypto';

/**
 * Partner API keys. A key is `dwk_` + base64url(32 random bytes); Diplowire stores only its
 * SHA-256 (hex), plus the first 12 characters as a non-secret prefix to name the key in
 * listings and revocations.
 */
export const API_KEY_PREFIX = 'dwk_';
export const KEY_PREFIX_LENGTH = 12;
const API_KEY_FORMAT = /^dwk_[A-Za-z0-9_-]{43}$/;

export interface GeneratedApiKey {
  /** The secret; shown to the operator once and never stored. */
  apiKey: string;
  keyHash: string;
  keyPrefix: string;
}

export function generateApiKey(): GeneratedApiKey {
  const apiKey = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { apiKey, keyHash: hashApiKey(apiKey), keyPrefix: apiKey.slice(0, KEY_PREFIX_LENGTH) };
}

/** SHA-256 hex. A fast hash is right here: keys carry 256 bits of entropy, so nothing can be brute-forced. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

export function isApiKeyFormat(value: string): boolean {
  return API_KEY_FORMAT.test(value);
}

/**
 * Extracts the key from an `Authorization: Bearer <key>` header. The scheme is case-insensitive
 * (RFC 9110 §11.1); anything else (other schemes, extra tokens, a malformed key) yields undefined.
 */
export function parseBearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^bearer +(\S+)$/i.exec(header.trim());
  const token = match?.[1];
  return token !== undefined && isApiKeyFormat(token) ? token : undefined;
}
