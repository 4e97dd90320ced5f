import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CachedKeyLookup } from '#shared/adapters/dynamodb/cached-key-lookup.ts';
import type { ApiKeyRecord } from '#shared/domain/ports.ts';
import {
  availableAt,
  LEASE_LIFETIME_MS,
  LeaseBook,
  leaseCeiling,
  maxLeaseOf,
} from '#shared/domain/rate-lease.ts';
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

describe('token leasing: k requests of the share at once (issue 13)', () => {
  const at = (ms: number) => 1_000_000 + ms;
  const limits = fc.record({
    ratePerSecond: fc.integer({ min: 1, max: 200 }),
    burst: fc.integer({ min: 1, max: 60 }),
  });

  it('the largest lease is a quarter of the burst, at most 10; 1 (no leasing) for small bursts', () => {
    expect(maxLeaseOf({ ratePerSecond: 2, burst: 4 })).toBe(1);
    expect(maxLeaseOf({ ratePerSecond: 1, burst: 1 })).toBe(1);
    expect(maxLeaseOf({ ratePerSecond: 10, burst: 20 })).toBe(5);
    expect(maxLeaseOf({ ratePerSecond: 50, burst: 100 })).toBe(10);
    expect(maxLeaseOf({ ratePerSecond: 100, burst: 200 })).toBe(10);
  });

  it('availableAt counts exactly the requests the model admits one by one at that moment (property)', () => {
    fc.assert(
      fc.property(limits, fc.option(fc.integer({ min: -5000, max: 20_000 })), (limit, offset) => {
        const now = at(0);
        let tat = offset === null ? undefined : now + offset;
        let admitted = 0;
        for (;;) {
          const next = admit(tat, now, limit);
          if (!next.decision.allowed) break;
          admitted++;
          tat = next.tat;
        }
        expect(availableAt(offset === null ? undefined : now + offset, now, limit)).toBe(admitted);
      }),
    );
  });

  it('k admitted at once conform exactly when tat is at most the lease ceiling (property)', () => {
    fc.assert(
      fc.property(
        limits,
        fc.integer({ min: -5000, max: 20_000 }),
        fc.integer({ min: 1, max: 60 }),
        (limit, offset, k) => {
          fc.pre(k <= limit.burst);
          const now = at(0);
          let tat: number | undefined = now + offset;
          let all = true;
          for (let i = 0; i < k; i++) {
            const next = admit(tat, now, limit);
            all &&= next.decision.allowed;
            tat = next.tat;
          }
          // The burst write's condition (the idle write covers tat < now, where k ≤ burst always conforms).
          const burstWrite = now + offset >= now && now + offset <= leaseCeiling(now, k, limit);
          expect(offset < 0 || burstWrite).toBe(all);
        },
      ),
    );
  });

  it('a partner unseen for a lifetime leases 1; a steady arrival rate grows the lease by doubling, to the cap', () => {
    const book = new LeaseBook(10);
    expect(book.size('A', at(0))).toBe(1);
    // Lone requests 2 s apart: always 1, so low-rate partners keep exact decisions.
    for (let t = 0; t < 10_000; t += 2000) {
      expect(book.spend('A', at(t))).toBe(false);
      expect(book.size('A', at(t))).toBe(1);
      book.record('A', at(t), 1);
    }
    // 30 requests a second (33 ms apart): 1, 2, 4, 8, then the cap.
    const sizes: number[] = [];
    let t = 20_000;
    for (let n = 0; n < 60; n++, t += 33) {
      if (book.spend('B', at(t))) continue;
      const k = book.size('B', at(t));
      sizes.push(k);
      book.record('B', at(t), k);
    }
    expect(sizes.slice(0, 5)).toEqual([1, 2, 4, 8, 10]);
    expect(sizes.slice(5).every((k) => k === 10)).toBe(true);
    // 4 requests a second: 4 a lifetime, reached by doubling; 3 a second: 3.
    const slow = new LeaseBook(10);
    slow.record('C', at(0), 1);
    expect(slow.size('C', at(250))).toBe(2);
    slow.record('C', at(250), 2);
    slow.spend('C', at(500));
    expect(slow.size('C', at(750))).toBe(4);
    slow.record('D', at(0), 3);
    slow.spend('D', at(333));
    slow.spend('D', at(666));
    expect(slow.size('D', at(1000))).toBe(3);
  });

  it('leased tokens are spent until the lease expires and never after, and never more than granted', () => {
    const book = new LeaseBook(10);
    book.record('A', at(0), 3);
    expect(book.spend('A', at(10))).toBe(true);
    expect(book.spend('B', at(10))).toBe(false);
    expect(book.spend('A', at(LEASE_LIFETIME_MS))).toBe(false); // expired: the last token is dropped
    book.record('A', at(2000), 2);
    expect(book.spend('A', at(2000))).toBe(true);
    expect(book.spend('A', at(2001))).toBe(false); // 2 granted: one for the leasing request, one spent
  });

  it('a cap of 1 turns leasing off: every request asks the shared row', () => {
    const book = new LeaseBook(1);
    book.record('A', at(0), 1);
    expect(book.spend('A', at(1))).toBe(false);
    expect(book.size('A', at(1))).toBe(1);
    expect(() => new LeaseBook(0)).toThrow(RangeError);
  });
});
