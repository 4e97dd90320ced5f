/**
 * Leases: the one protocol by which concurrent invocations agree that exactly one of them does a
 * piece of work (handle an event, translate a version, publish its event, attempt a delivery).
 *
 * A lease is a token and an expiry (`leaseUntil`, epoch milliseconds) on a record. Taking it is one
 * conditional write that succeeds only when the record is claimable; when it fails, the store
 * returns the record that stopped it (DynamoDB `ReturnValuesOnConditionCheckFailure: ALL_OLD`) and
 * `decideClaim` says why: the work is done, or someone else holds a live lease. Only the holder of
 * the token may complete or release it. Modelled on Powertools idempotency's record states
 * (INPROGRESS with an in-progress expiry, COMPLETED, EXPIRED), kept apart from storage.
 *
 * Pure: no SDK, no clock (callers pass `nowMs`).
 */

/** A record as the lease protocol sees it. */
export type LeaseRecord =
  /** Someone claimed the work; the claim lapses after `leaseUntil`. */
  | { state: 'in-progress'; token: string; leaseUntil: number }
  /** The work is done. `expiresAt` (epoch ms): after it the record counts as absent (TTL lag). */
  | { state: 'done'; expiresAt?: number };

export type ClaimDecision =
  /** Nobody holds it: take it. */
  | { outcome: 'claimable' }
  /** Someone holds a live lease until `leaseUntil`: retry after it. */
  | { outcome: 'busy'; leaseUntil: number }
  /** The work is recorded: nothing to do. */
  | { outcome: 'done' };

/** Whether the work on `record` may be claimed at `nowMs`, and if not, why. */
export function decideClaim(record: LeaseRecord | undefined, nowMs: number): ClaimDecision {
  if (record === undefined) return { outcome: 'claimable' };
  if (record.state === 'done') {
    return record.expiresAt !== undefined && record.expiresAt < nowMs
      ? { outcome: 'claimable' }
      : { outcome: 'done' };
  }
  // A lease is live up to and including its last millisecond.
  return record.leaseUntil < nowMs
    ? { outcome: 'claimable' }
    : { outcome: 'busy', leaseUntil: record.leaseUntil };
}

/** The expiry of a lease taken at `nowMs` for `leaseMs`. */
export function leaseExpiry(nowMs: number, leaseMs: number): number {
  if (!Number.isSafeInteger(leaseMs) || leaseMs <= 0) {
    throw new RangeError(`A lease lasts a positive whole number of milliseconds, not ${leaseMs}`);
  }
  return nowMs + leaseMs;
}

/** Whether `token` still holds the lease on `record` at `nowMs` (a lapsed lease may be taken over). */
export function holdsLease(record: LeaseRecord | undefined, token: string, nowMs: number): boolean {
  return record?.state === 'in-progress' && record.token === token && record.leaseUntil >= nowMs;
}
