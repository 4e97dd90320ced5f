import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CursorCodec, InvalidPageCursorError } from '#shared/domain/cursors.ts';

const key = randomBytes(32);

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof InvalidPageCursorError ? error.reason : 'other';
  }
}

describe('CursorCodec', () => {
  it('round-trips a position for the same listing and audience', () => {
    const codec = new CursorCodec(key);
    const cursor = codec.encode('feed', 'ptn_a', { s: 42 });
    expect(codec.decode('feed', 'ptn_a', cursor)).toEqual({ s: 42 });
  });

  it('refuses another audience, another listing, another key and any alteration as forged', () => {
    const codec = new CursorCodec(key);
    const cursor = codec.encode('feed', 'ptn_a', { s: 42 });
    expect(reasonOf(() => codec.decode('feed', 'ptn_b', cursor))).toBe('forged');
    expect(reasonOf(() => codec.decode('versions', 'ptn_a', cursor))).toBe('forged');
    expect(reasonOf(() => new CursorCodec(randomBytes(32)).decode('feed', 'ptn_a', cursor))).toBe('forged');
    const [payload, mac] = cursor.split('.');
    const widened = Buffer.from(JSON.stringify({ k: 'feed', i: 0, p: { s: 0 } })).toString('base64url');
    expect(reasonOf(() => codec.decode('feed', 'ptn_a', `${widened}.${mac}`))).toBe('forged');
    expect(reasonOf(() => codec.decode('feed', 'ptn_a', `${payload}.${mac!.slice(0, -2)}AA`))).toBe('forged');
  });

  it('refuses malformed cursors', () => {
    const codec = new CursorCodec(key);
    for (const bad of ['', 'abc', 'a.b.c', 'a b.c', `${'x'.repeat(3000)}.y`, '.abc']) {
      expect(reasonOf(() => codec.decode('feed', 'ptn_a', bad))).toMatch(/malformed|forged/);
    }
  });

  it('keeps cursors valid for at least 7 days and refuses them after the maximum age', () => {
    let now = Date.parse('2026-12-01T00:00:00Z');
    const codec = new CursorCodec(key, { now: () => now });
    const cursor = codec.encode('feed', 'ptn_a', { s: 1 });
    now += 8 * 24 * 3600 * 1000;
    expect(codec.decode('feed', 'ptn_a', cursor)).toEqual({ s: 1 });
    now += 90 * 24 * 3600 * 1000;
    expect(reasonOf(() => codec.decode('feed', 'ptn_a', cursor))).toBe('expired');
  });

  it('needs a key of at least 32 bytes', () => {
    expect(() => new CursorCodec(randomBytes(16))).toThrow(RangeError);
  });
});
