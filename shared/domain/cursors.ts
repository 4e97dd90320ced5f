import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Opaque, signed page cursors, shared by every paginated listing (the feed, a partner's items,
 * version lists). A cursor is `<payload>.<mac>`, both base64url:
 * - the payload is JSON `{k, i, p}`: the listing it belongs to (`k`), when it was issued (`i`, epoch
 *   seconds) and the listing's position (`p`, e.g. a feed sequence number or a table key);
 * - the MAC is HMAC-SHA256 over the audience (the partner it was issued to), NUL, and the payload,
 *   truncated to 128 bits.
 * A cursor that was not issued by us, was issued to another partner or for another listing, or has
 * been altered fails verification and is refused. Cursors carry positions only, never rights: what a
 * page may show is decided afresh on every request, so even a valid cursor cannot widen visibility.
 */

/** Thrown for a cursor that is malformed, forged, another partner's, another listing's or expired. */
export class InvalidPageCursorError extends Error {
  constructor(readonly reason: 'malformed' | 'forged' | 'expired') {
    super(`Invalid cursor (${reason})`);
    this.name = 'InvalidPageCursorError';
  }
}

export interface CursorCodecOptions {
  /** Cursors older than this are refused as expired. Default 90 days. */
  maxAgeSeconds?: number;
  now?: () => number;
}

const MAC_BYTES = 16;
const MAX_CURSOR_LENGTH = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
export const DEFAULT_CURSOR_MAX_AGE_SECONDS = 90 * 24 * 3600;

export class CursorCodec {
  private readonly maxAgeSeconds: number;
  private readonly now: () => number;

  constructor(
    private readonly key: Uint8Array,
    options: CursorCodecOptions = {},
  ) {
    if (key.length < 32) throw new RangeError('A cursor key needs at least 32 bytes');
    this.maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_CURSOR_MAX_AGE_SECONDS;
    this.now = options.now ?? Date.now;
  }

  /** A cursor for `position` in listing `kind`, usable only by `audience`. */
  encode(kind: string, audience: string, position: unknown): string {
    const payload = Buffer.from(
      JSON.stringify({ k: kind, i: Math.floor(this.now() / 1000), p: position }),
      'utf8',
    ).toString('base64url');
    return `${payload}.${this.mac(audience, payload)}`;
  }

  /** The position a cursor carries; throws InvalidPageCursorError unless we issued it for this listing and audience. */
  decode(kind: string, audience: string, cursor: string): unknown {
    if (cursor.length > MAX_CURSOR_LENGTH) throw new InvalidPageCursorError('malformed');
    const [payload, mac, ...rest] = cursor.split('.');
    if (rest.length > 0 || !payload || !mac || !BASE64URL.test(payload) || !BASE64URL.test(mac)) {
      throw new InvalidPageCursorError('malformed');
    }
    // The MAC's text, not its decoded bytes: base64url's last character carries padding bits that
    // decoding ignores, so comparing bytes would accept several spellings of one cursor.
    const expected = Buffer.from(this.mac(audience, payload), 'utf8');
    const given = Buffer.from(mac, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidPageCursorError('forged');
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw new InvalidPageCursorError('malformed');
    }
    const { k, i, p } = (body ?? {}) as { k?: unknown; i?: unknown; p?: unknown };
    // A genuine cursor of another listing is as unusable here as a forged one.
    if (k !== kind || typeof i !== 'number') throw new InvalidPageCursorError('forged');
    if (Math.floor(this.now() / 1000) - i > this.maxAgeSeconds) throw new InvalidPageCursorError('expired');
    return p;
  }

  private mac(audience: string, payload: string): string {
    return createHmac('sha256', this.key)
      .update(`${audience}\0${payload}`, 'utf8')
      .digest()
      .subarray(0, MAC_BYTES)
      .toString('base64url');
  }
}
