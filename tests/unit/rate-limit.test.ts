import { describe, expect, it } from 'vitest';
import { CachedKeyLookup } from '#shared/adapters/dynamodb/cached-key-lookup.ts';
import type { ApiKeyRecord } from '#shared/domain/ports.ts';
import { PartnerRateLimiter, parseRateLimit } from '#shared/domain/rate-limit.ts';

function clock(start = 1000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('PartnerRateLimiter (issue 10 #8)', () => {
  it("refuses a partner over its burst with a Retry-After, while another partner's share is untouched", () => {
    const time = clock();
    const limiter = new PartnerRateLimiter({ ratePerSecond: 2, burst: 3 }, time.now);
    for (let i = 0; i < 3; i++) expect(limiter.take('A')).toEqual({ allowed: true });
    expect(limiter.take('A')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // A's flood goes on; B still has its whole burst.
    for (let i = 0; i < 100; i++) expect(limiter.take('A').allowed).toBe(false);
    for (let i = 0; i < 3; i++) expect(limiter.take('B')).toEqual({ allowed: true });
  });

  it('refills at the rate, never beyond the burst', () => {
    const time = clock();
    const limiter = new PartnerRateLimiter({ ratePerSecond: 2, burst: 3 }, time.now);
    for (let i = 0; i < 3; i++) limiter.take('A');
    time.advance(500);
    expect(limiter.take('A')).toEqual({ allowed: true });
    expect(limiter.take('A').allowed).toBe(false);
    time.advance(60_000);
    for (let i = 0; i < 3; i++) expect(limiter.take('A')).toEqual({ allowed: true });
    expect(limiter.take('A').allowed).toBe(false);
  });

  it('says how long to wait at a slow rate', () => {
    const limiter = new PartnerRateLimiter({ ratePerSecond: 0.1, burst: 1 }, clock().now);
    limiter.take('A');
    expect(limiter.take('A')).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });

  it('parses <rate>/<burst> and refuses anything else', () => {
    expect(parseRateLimit('50/100')).toEqual({ ratePerSecond: 50, burst: 100 });
    expect(parseRateLimit(' 0.5/1 ')).toEqual({ ratePerSecond: 0.5, burst: 1 });
    for (const bad of ['', '50', '0/10', '5/0', '-1/2', 'a/b', '5/2.5']) {
      expect(() => parseRateLimit(bad), bad).toThrow(RangeError);
    }
  });
});

describe('CachedKeyLookup: negative caching in the authorizer', () => {
  const active: ApiKeyRecord = {
    keyHash: 'a'.repeat(64),
    keyPrefix: 'dwk_aaaaaaaa',
    partnerId: 'ptn_A',
    partnerName: 'A',
    scopes: ['items:read'],
    status: 'active',
    createdAt: '2026-01-01T00:00:00.000Z',
  };

  it('looks an unknown or revoked key up once a minute at most; active keys every time', async () => {
    const time = clock();
    const lookups: string[] = [];
    const records = new Map([
      [active.keyHash, active],
      ['r'.repeat(64), { ...active, keyHash: 'r'.repeat(64), status: 'revoked' as const }],
    ]);
    const keys = new CachedKeyLookup(async (hash) => {
      lookups.push(hash);
      return records.get(hash);
    }, time.now);

    expect(await keys.find('u'.repeat(64))).toEqual({ record: undefined, cached: false });
    expect(await keys.find('u'.repeat(64))).toEqual({ record: undefined, cached: true });
    expect((await keys.find('r'.repeat(64))).record?.status).toBe('revoked');
    expect(await keys.find('r'.repeat(64))).toEqual({ record: undefined, cached: true });
    await keys.find(active.keyHash);
    await keys.find(active.keyHash);
    expect(lookups).toEqual(['u'.repeat(64), 'r'.repeat(64), active.keyHash, active.keyHash]);

    time.advance(60_001);
    await keys.find('u'.repeat(64));
    expect(lookups.filter((h) => h === 'u'.repeat(64))).toHaveLength(2);
  });
});
