import { intervalMs, MAX_PARTNERS, type RateLimit, toleranceMs } from './rate-limit';

/**
 * Token leasing for the shared per-partner share (shared/domain/rate-limit.ts): a container takes
 * k of a partner's requests from the shared `tat` with one conditional write and spends them
 * locally, so the shared write costs 1/k per request. Leased tokens are admissions the share has
 * already granted at the lease's time; they expire after LEASE_LIFETIME_MS and are never carried
 * over, so over any window of W ms a partner is admitted at most
 *   burst + floor((W + LEASE_LIFETIME_MS) / interval)   (the share over a window one lifetime longer)
 * and at most the share's own allowance over W plus the tokens every container still holds at the
 * window's start (≤ containers × maxLease). The price: tokens idle in one container are not
 * available to another, which can refuse up to containers × maxLease requests early.
 *
 * Pure: no SDK, no clock.
 */

/** How long leased tokens stay spendable. */
export const LEASE_LIFETIME_MS = 1000;
/** The most tokens a lease ever takes. */
export const MAX_LEASE = 10;

/**
 * The largest lease for a share: at most a quarter of the burst (containers' idle tokens never
 * eat much of it) and MAX_LEASE. 1 means no leasing: every request asks the shared row.
 */
export function maxLeaseOf(limit: RateLimit): number {
  return Math.max(1, Math.min(MAX_LEASE, Math.floor(limit.burst / 4)));
}

/** How many requests the share admits at `nowMs` against a stored `tat` (0: refused). */
export function availableAt(tat: number | undefined, nowMs: number, limit: RateLimit): number {
  const room = nowMs + toleranceMs(limit) - Math.max(tat ?? nowMs, nowMs);
  return room < 0 ? 0 : Math.floor(room / intervalMs(limit)) + 1;
}

/**
 * The largest `tat` at which k requests are all admitted at `nowMs`: admitting k at once conforms
 * when the last of them does, tat + (k-1)·interval ≤ now + tolerance.
 */
export function leaseCeiling(nowMs: number, k: number, limit: RateLimit): number {
  return nowMs + toleranceMs(limit) - (k - 1) * intervalMs(limit);
}

interface Lease {
  leasedAt: number;
  /** The partner's latest request in this container. */
  lastSeen: number;
  expiresAt: number;
  granted: number;
  spent: number;
}

/**
 * One container's leases, one per partner, and how big the next one should be. Adaptive: a
 * partner not seen within a lease lifetime gets a lease of 1 (a lone request costs what an
 * unleased one does and low-rate partners keep exact decisions); otherwise the lease covers the
 * partner's arrivals in this container over one lifetime, estimated from the last lease (tokens
 * spent since it was taken), at most double the last lease and at most `maxLease`. At a steady pace
 * g the k-th token is due (k−1)·g < k·g ≤ lifetime after the lease: spent before it expires, so a
 * container under its share never bills the share faster than it spends.
 */
export class LeaseBook {
  private readonly leases = new Map<string, Lease>();

  constructor(
    private readonly maxLease: number,
    private readonly lifetimeMs = LEASE_LIFETIME_MS,
  ) {
    if (!(Number.isInteger(maxLease) && maxLease >= 1))
      throw new RangeError('A lease holds a whole number ≥ 1');
  }

  /** Spends one of the partner's leased tokens, if it holds a live one. */
  spend(partnerId: string, nowMs: number): boolean {
    const lease = this.leases.get(partnerId);
    if (!lease || lease.spent >= lease.granted || nowMs >= lease.expiresAt) return false;
    lease.spent++;
    lease.lastSeen = Math.max(lease.lastSeen, nowMs);
    return true;
  }

  /** How many tokens to ask for at `nowMs` (the partner's live lease, if any, is spent). */
  size(partnerId: string, nowMs: number): number {
    const last = this.leases.get(partnerId);
    if (this.maxLease === 1 || !last) return 1;
    if (nowMs - last.lastSeen >= this.lifetimeMs) return 1;
    const expected = Math.floor((last.spent * this.lifetimeMs) / Math.max(1, nowMs - last.leasedAt));
    return Math.max(1, Math.min(expected, this.maxLease, 2 * last.granted));
  }

  /** A lease of `granted` tokens taken at `nowMs`, one of them spent by the request that took it. */
  record(partnerId: string, nowMs: number, granted: number): void {
    if (!this.leases.has(partnerId) && this.leases.size >= MAX_PARTNERS) this.leases.clear();
    this.leases.set(partnerId, {
      leasedAt: nowMs,
      lastSeen: nowMs,
      expiresAt: nowMs + this.lifetimeMs,
      granted,
      spent: 1,
    });
  }
}
