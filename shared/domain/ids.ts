import { createHash, randomBytes } from 'node:crypto';

/** Crockford base32: no I, L, O, U, so ids survive being read aloud or retyped. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10; // 48 bits of milliseconds need 10 base32 digits (50 bits).
const RANDOM_BYTES = 10; // 80 bits -> 16 base32 digits.

/**
 * A time-sortable, unguessable id: `<prefix>_` + 26 Crockford base32 characters
 * (48-bit millisecond timestamp, then 80 random bits), like a ULID.
 * Ids of the same prefix sort by creation time to the millisecond.
 */
export function newId(prefix: 'itm' | 'ptn' | (string & {}), now: number = Date.now()): string {
  return `${prefix}_${encodeTime(now)}${encodeBase32(randomBytes(RANDOM_BYTES), 16)}`;
}

/**
 * The id of the item a partner submits under `uri`: `itm_` + the first 26 Crockford base32
 * characters (130 bits) of SHA-256(`<partnerId>NUL<uri>`). Deterministic, so the item's
 * version-1 row is itself the (partner, uri) uniqueness guard: every submission of the same
 * uri by the same partner targets the same key. Never change this function: stored items
 * would no longer be found by their uri.
 */
export function itemIdFor(partnerId: string, uri: string): string {
  // NUL cannot occur in a partner id or a valid uri, so distinct pairs never hash the same input.
  const digest = createHash('sha256').update(`${partnerId}\u0000${uri}`, 'utf8').digest();
  return `itm_${encodeBase32(digest, 26)}`;
}

function encodeTime(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 48) throw new RangeError(`Time out of range: ${ms}`);
  let out = '';
  let rest = ms;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/** The first `length` base32 digits of `bytes`, read as one big number, most significant first. */
function encodeBase32(bytes: Uint8Array, length: number): string {
  if (length * 5 > bytes.length * 8)
    throw new RangeError(`${bytes.length} bytes cannot fill ${length} digits`);
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      bits -= 5;
      out += CROCKFORD[(buffer >> bits) & 31];
    }
    if (out.length === length) break;
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/** True when `id` has the shape `newId(prefix)` or `itemIdFor` produces (used to reject junk ids early). */
export function isId(id: string, prefix: string): boolean {
  return (
    id.length === prefix.length + 27 &&
    id.startsWith(`${prefix}_`) &&
    /^[0-9A-HJKMNP-TV-Z]{26}$/.test(id.slice(prefix.length + 1))
  );
}
