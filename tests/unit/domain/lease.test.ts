import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideClaim, holdsLease, type LeaseRecord, leaseExpiry } from '#shared/domain/lease.ts';

const NOW = 1_800_000_000_000;

describe('decideClaim', () => {
  it('claims work nobody recorded', () => {
    expect(decideClaim(undefined, NOW)).toEqual({ outcome: 'claimable' });
  });

  it('is busy while a lease is live, up to and including its last millisecond', () => {
    const record: LeaseRecord = { state: 'in-progress', token: 't', leaseUntil: NOW };
    expect(decideClaim(record, NOW)).toEqual({ outcome: 'busy', leaseUntil: NOW });
    expect(decideClaim(record, NOW - 5_000)).toEqual({ outcome: 'busy', leaseUntil: NOW });
  });

  it('lets a lapsed lease be taken over', () => {
    expect(decideClaim({ state: 'in-progress', token: 't', leaseUntil: NOW - 1 }, NOW)).toEqual({
      outcome: 'claimable',
    });
  });

  it('reports done work as done, until its record expires', () => {
    expect(decideClaim({ state: 'done' }, NOW)).toEqual({ outcome: 'done' });
    expect(decideClaim({ state: 'done', expiresAt: NOW }, NOW)).toEqual({ outcome: 'done' });
    expect(decideClaim({ state: 'done', expiresAt: NOW - 1 }, NOW)).toEqual({ outcome: 'claimable' });
  });

  it('never lets two holders hold one live lease: a claimable record is never held by anyone at that time', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000, max: 10_000 }), fc.string(), (offset, token) => {
        const record: LeaseRecord = { state: 'in-progress', token, leaseUntil: NOW + offset };
        const claimable = decideClaim(record, NOW).outcome === 'claimable';
        expect(claimable).toBe(!holdsLease(record, token, NOW));
      }),
    );
  });
});

describe('leaseExpiry', () => {
  it('adds the lease length in milliseconds', () => {
    expect(leaseExpiry(NOW, 30_000)).toBe(NOW + 30_000);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses a lease of %s ms', (ms) => {
    expect(() => leaseExpiry(NOW, ms)).toThrow(RangeError);
  });
});

describe('holdsLease', () => {
  it('only the token of a live in-progress lease holds it', () => {
    const record: LeaseRecord = { state: 'in-progress', token: 'mine', leaseUntil: NOW + 1 };
    expect(holdsLease(record, 'mine', NOW)).toBe(true);
    expect(holdsLease(record, 'theirs', NOW)).toBe(false);
    expect(holdsLease(record, 'mine', NOW + 2)).toBe(false);
    expect(holdsLease({ state: 'done' }, 'mine', NOW)).toBe(false);
    expect(holdsLease(undefined, 'mine', NOW)).toBe(false);
  });
});
