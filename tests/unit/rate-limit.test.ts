import { describe, expect, it } from 'vitest';
import { CachedKeyLookup } from '#shared/adapters/dynamodb/cached-key-lookup.ts';
import type { ApiKeyRecord } from '#shared/domain/ports.ts';
import { admit, InMemoryPartnerRateGate, parseRateLimit, RefusalMemo } from '#shared/domain/rate-limit.ts';

describe('the per-partner share: GCRA (issue 10 #8)', () => {
  const limit = { ratePerSecond: 2, burst: 3 };
  const at = (ms: number) => 1_000_000 + ms;

  it("refuses a partner over its burst with a Retry-After, while another partner's share is untouched", async () => {
    const gate = new InMemoryPartnerRateGate(limit);
    for (let i = 0; i < 3; i++) expect(await gate.take('A', at(0))).toEqual({ allowed: true });
    expect(await gate.take('A', at(0))).toEqual({ allowed: false, retryAfterSeconds: 1, untilMs: at(500) });
    // A's flood goes on; B still has its whole burst.
    for (let i = 0; i < 100; i++) expect((await gate.take('A', at(10))).allowed).toBe(false);
    for (let i = 0; i < 3; i++) expect(await gate.take('B', at(10))).toEqual({ allowed: true });
  });

  it('refills at the rate, never beyond the burst', async () => {
    const gate = new InMemoryPartnerRateGate(limit);
    for (let i = 0; i < 3; i++) await gate.take('A', at(0));
    expect(await gate.take('A', at(500))).toEqual({ allowed: true });
    expect((await gate.take('A', at(500))).allowed).toBe(false);
    for (let i = 0; i < 3; i++) expect(await gate.take('A', at(60_000))).toEqual({ allowed: true });
    expect((await gate.take('A', at(60_000))).allowed).toBe(false);
  });

  it('a refusal leaves the state as it was: a flood does not push the next allowed request further away', () => {
    const full = admit(at(1000), at(0), limit); // tat = now + 1000 = the tolerance: allowed once more
    expect(full.decision).toEqual({ allowed: true });
    expect(full.tat).toBe(at(1500));
    const refused = admit(full.tat, at(0), limit);
    expect(refused).toEqual({
      decision: { allowed: false, retryAfterSeconds: 1, untilMs: at(500) },
      tat: at(1500),
    });
  });

  it('says how long to wait at a slow rate', async () => {
    const gate = new InMemoryPartnerRateGate({ ratePerSecond: 0.1, burst: 1 });
    await gate.take('A', at(0));
    expect(await gate.take('A', at(0))).toEqual({
      allowed: false,
      retryAfterSeconds: 10,
      untilMs: at(10_000),
    });
    expect(await gate.take('A', at(9_999))).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    expect(await gate.take('A', at(10_000))).toEqual({ allowed: true });
  });

  it('a container remembers a refusal until it lapses, and only until then', () => {
    const memo = new RefusalMemo();
    expect(memo.refusal('A', at(0))).toBeUndefined();
    memo.remember('A', { allowed: false, retryAfterSeconds: 2, untilMs: at(1500) });
    expect(memo.refusal('A', at(0))).toEqual({ allowed: false, retryAfterSeconds: 2, untilMs: at(1500) });
    expect(memo.refusal('A', at(1499))).toEqual({ allowed: false, retryAfterSeconds: 1, untilMs: at(1500) });
    expect(memo.refusal('B', at(0))).toBeUndefined();
    expect(memo.refusal('A', at(1500))).toBeUndefined();
    expect(memo.refusal('A', at(0))).toBeUndefined(); // forgotten once lapsed
  });

  it('parses <rate>/<burst> and refuses anything else', () => {
    expect(parseRateLimit('50/100')).toEqual({ ratePerSecond: 50, burst: 100 });
    expect(parseRateLimit(' 0.5/1 ')).toEqual({ ratePerSecond: 0.5, burst: 1 });
    for (const bad of ['', '50', '0/10', '5/0', '-1/2', 'a/b', '5/2.5']) {
      expect(() => parseRateLimit(bad), bad).toThrow(RangeError);
    }
  });
});

function clock(start = 1000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

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
