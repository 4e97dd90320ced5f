/**
 * Properties of the signed page cursors (issue 10, "How to prove it"): every position round-trips
 * for its listing and partner; nothing else decodes. A cursor altered anywhere, one of another
 * partner or another listing, one older than its lifetime, or any string we did not issue is refused
 * with InvalidPageCursorError, never decoded into a position (so it can never move a listing into
 * another partner's rows) and never another error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CursorCodec, InvalidPageCursorError } from '#shared/domain/cursors.ts';
import { propertyRuns } from './support';

const KEY = new Uint8Array(32).fill(42);
const NOW = Date.UTC(2026, 0, 1);
const codec = new CursorCodec(KEY, { now: () => NOW });

const kind = fc.constantFrom('items', 'versions', 'feed', 'deliveries');
const audience = fc.oneof(fc.constantFrom('ptn_A', 'ptn_B'), fc.string({ minLength: 1, maxLength: 30 }));
const position = fc.jsonValue({ maxDepth: 3 });
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function refused(decode: () => unknown): InvalidPageCursorError['reason'] {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPageCursorError);
    return (error as InvalidPageCursorError).reason;
  }
  throw new Error('the cursor decoded');
}

describe('page cursors (property)', () => {
  it('round-trips any position for its listing and partner', () => {
    fc.assert(
      fc.property(kind, audience, position, (k, a, p) => {
        const cursor = codec.encode(k, a, p);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
        expect(codec.decode(k, a, cursor)).toEqual(JSON.parse(JSON.stringify(p)));
      }),
      propertyRuns(300),
    );
  });

  it('refuses a cursor with any one character changed, removed or added', () => {
    const edit = fc.record({
      // Anywhere, and often at the very end (the MAC's last character carries padding bits).
      at: fc.oneof(fc.nat(), fc.integer({ min: -2, max: -1 })),
      op: fc.constantFrom('replace', 'delete', 'insert'),
      char: fc.constantFrom(...`${BASE64URL}.=+/ `),
    });
    fc.assert(
      fc.property(kind, audience, position, edit, (k, a, p, { at, op, char }) => {
        const cursor = codec.encode(k, a, p);
        const length = cursor.length + (op === 'insert' ? 1 : 0);
        const i = at < 0 ? length + at : at % length;
        const tampered =
          op === 'replace'
            ? cursor.slice(0, i) + char + cursor.slice(i + 1)
            : op === 'delete'
              ? cursor.slice(0, i) + cursor.slice(i + 1)
              : cursor.slice(0, i) + char + cursor.slice(i);
        fc.pre(tampered !== cursor);
        refused(() => codec.decode(k, a, tampered));
      }),
      propertyRuns(500),
    );
  });

  it("never decodes another partner's or another listing's cursor", () => {
    fc.assert(
      fc.property(kind, kind, audience, audience, position, (k1, k2, a1, a2, p) => {
        fc.pre(k1 !== k2 || a1 !== a2);
        expect(refused(() => codec.decode(k2, a2, codec.encode(k1, a1, p)))).toBe('forged');
      }),
      propertyRuns(300),
    );
  });

  it('never decodes a cursor signed with another key, or a string it did not issue', () => {
    const otherKey = fc.uint8Array({ minLength: 32, maxLength: 64 }).filter((k) => !k.every((b) => b === 42));
    fc.assert(
      fc.property(kind, audience, position, otherKey, (k, a, p, key) => {
        const forged = new CursorCodec(key, { now: () => NOW }).encode(k, a, p);
        expect(refused(() => codec.decode(k, a, forged))).toBe('forged');
      }),
      propertyRuns(200),
    );
    fc.assert(
      fc.property(kind, audience, fc.string({ maxLength: 3000 }), (k, a, text) => {
        refused(() => codec.decode(k, a, text));
      }),
      propertyRuns(300),
    );
  });

  it('refuses a cursor once it is older than its lifetime', () => {
    fc.assert(
      fc.property(kind, audience, position, fc.integer({ min: 1, max: 10 ** 6 }), (k, a, p, late) => {
        const maxAgeSeconds = 3600;
        const issued = codec.encode(k, a, p);
        const later = new CursorCodec(KEY, { now: () => NOW + (maxAgeSeconds + late) * 1000, maxAgeSeconds });
        expect(refused(() => later.decode(k, a, issued))).toBe('expired');
      }),
      propertyRuns(100),
    );
  });
});
