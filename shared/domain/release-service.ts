import { mapInOrder } from './concurrency';
import { isDue, isHeld } from './embargo';
import type { DueRelease, ReleaseStore } from './ports';

export type ReleaseOutcome =
  /** This call released the item's held version. */
  | 'released'
  /** Nothing to release: unknown item, not held, withheld, or already released by someone else. */
  | 'not-held'
  /** Held, but its embargo time is further away than this call may wait (a stale or early trigger). */
  | 'not-due';

/** What one scheduled trigger did: its own item, and the others due at the same moment it released. */
export interface ScheduledRelease {
  outcome: ReleaseOutcome;
  /** Other items this trigger released (they were due too; their own triggers then find them released). */
  alsoReleased: number;
  /** Writes that found the item already released or superseded (concurrent releasers, a stale index). */
  lost: number;
  /** Other items whose release failed (their own triggers and the sweep retry them), and the first error. */
  failed: number;
  firstError?: unknown;
}

export interface ReleaseServiceDeps {
  store: ReleaseStore;
  clock?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/** How often a release re-reads the head after losing a race (a concurrent correction or release). */
const MAX_ATTEMPTS = 5;
/**
 * Release writes in flight at once (burst and sweep): enough to release hundreds of items per
 * second, few enough that a burst or a backlog after an outage does not throttle the table or the
 * API's writes. One walker per burst (the lease's holder) keeps no more in flight than the 4
 * concurrent walkers of 5 each did before the lease.
 */
const WRITE_CONCURRENCY = 10;
/**
 * How long the holder of a burst's lease has to walk it (500 writes, 10 at a time, take a few
 * seconds on AWS). A holder that died leaves it to the items' own triggers and the sweep; a
 * trigger that comes after the lease lapsed takes it over and walks what is still due.
 */
const BURST_LEASE_MS = 30_000;
/** A trigger waiting for its embargo time reads the head again this often (waitUntilDue). */
const RECHECK_MS = 10_000;
/** Due items one burst or one sweep releases at most; beyond it, their own triggers and the next sweep. */
const BATCH_LIMIT = 500;

/**
 * Releases held items at their embargo time, never before, exactly once. The release is the
 * store's conditional write (ReleaseStore.release): of scheduled releases, the sweeper and a
 * concurrent correction, exactly one changes the version's state, and only that write's stream
 * record becomes the public event. The callers are triggers only; they may fire twice, late or
 * (within `maxWaitMs`) early.
 */
export class ReleaseService {
  private readonly store: ReleaseStore;
  private readonly clock: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(deps: ReleaseServiceDeps) {
    this.store = deps.store;
    this.clock = deps.clock ?? (() => new Date());
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Releases the item's held version if its embargo time has come. A trigger that arrives up to
   * `maxWaitMs` early (release schedules are set to fire before the time) waits for it.
   */
  async releaseItem(itemId: string, maxWaitMs = 0): Promise<ReleaseOutcome> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const due = await this.waitUntilDue(itemId, maxWaitMs);
      if (typeof due === 'string') return due;
      if (await this.store.release(itemId, due.version, due.now.toISOString())) return 'released';
      // Released by another trigger, or superseded by a correction: look again.
    }
    return 'not-held';
  }

  /**
   * The item's held version and embargo time once that time has come, waiting up to `maxWaitMs`
   * for it. A long wait reads the head again every RECHECK_MS, so a trigger whose embargo was lifted,
   * retracted or moved meanwhile ends within seconds instead of holding its execution environment to
   * the old time (a moved embargo has its own, new schedule).
   */
  private async waitUntilDue(
    itemId: string,
    maxWaitMs: number,
  ): Promise<{ version: number; until: string; now: Date } | 'not-held' | 'not-due'> {
    for (let expected: string | undefined; ; ) {
      const head = await this.store.getHead(itemId);
      if (head === undefined || !isHeld(head) || head.hold?.kind !== 'embargo') return 'not-held';
      const { until } = head.hold;
      if (expected !== undefined && until !== expected) return 'not-due';
      const now = this.clock();
      if (isDue(head, now)) return { version: head.version, until, now };
      const wait = Date.parse(until) - now.getTime();
      if (wait > maxWaitMs) return 'not-due';
      expected = until;
      if (wait > RECHECK_MS) {
        await this.sleep(RECHECK_MS);
        continue;
      }
      await this.sleep(wait);
      // Timers may end a little early: the head read before the last stretch still holds.
      const woke = this.clock();
      if (isDue(head, woke)) return { version: head.version, until, now: woke };
    }
  }

  /**
   * The scheduled trigger of one item. Embargoes end together (a press conference, "00:01"), and
   * each held item has its own trigger: the first trigger to reach the time releases its item AND
   * every other item due by then (the HeldByReleaseTime index lists them), a bounded number of
   * writes at a time, so the burst goes out in one go. Which trigger walks the burst is decided by
   * a lease on the burst's release time: concurrent triggers would otherwise write the same items
   * (a write that finds its item released is wasted, and contends with the ones that count). The
   * others release only their own item, and then end after one read. Each release is still the one
   * conditional write (released only if held, not superseded and due at `now`), so the lease, the
   * sweep and corrections keep exactly-once, and nothing due even 1 ms after `now` is touched.
   */
  async releaseScheduled(itemId: string, maxWaitMs = 0): Promise<ScheduledRelease> {
    const due = await this.waitUntilDue(itemId, maxWaitMs);
    if (typeof due === 'string') return { outcome: due, alsoReleased: 0, lost: 0, failed: 0 };
    const { version, until, now } = due;
    const at = now.toISOString();
    // Its own item first; the burst's lease and walk meanwhile. Both end before the invocation does.
    const [own, burst] = await Promise.allSettled([
      this.store.release(itemId, version, at),
      this.releaseBurstIfHolder(itemId, until, now),
    ]);
    if (own.status === 'rejected') throw own.reason;
    if (burst.status === 'rejected') throw burst.reason;
    // Not released by this write: a correction superseded it, or another trigger released it. The
    // item-by-item path reads the head again and decides.
    const outcome = own.value ? 'released' : await this.releaseItem(itemId, maxWaitMs);
    const { released, lost, errors } = burst.value;
    return {
      outcome,
      alsoReleased: released,
      lost,
      failed: errors.length,
      ...(errors.length > 0 && { firstError: errors[0] }),
    };
  }

  /**
   * The other items due at `now`, if this trigger takes the burst's lease. They are a bonus: a
   * failure here (lease, listing or writing) is reported, not thrown, and those items' own triggers
   * and the sweep still come. A lease that cannot be read or written is walked anyway: it only
   * saves writes, and a burst walked twice is still released once per item.
   */
  private async releaseBurstIfHolder(
    ownItemId: string,
    releaseAt: string,
    now: Date,
  ): Promise<{ released: number; lost: number; errors: unknown[] }> {
    const errors: unknown[] = [];
    const nowMs = now.getTime();
    const holder = await this.store
      .claimBurst(releaseAt, nowMs, nowMs + BURST_LEASE_MS)
      .catch((error: unknown) => {
        errors.push(error);
        return true;
      });
    if (!holder) return { released: 0, lost: 0, errors };
    const at = now.toISOString();
    const due = await this.store.listDue(at, BATCH_LIMIT).then(
      (listed) => listed.filter((d) => d.itemId !== ownItemId),
      (error: unknown) => {
        errors.push(error);
        return [];
      },
    );
    const { released, lost, failed } = await this.releaseAll(due, at);
    return { released, lost, errors: [...errors, ...failed] };
  }

  /** Releases every held version that is due now (the backstop behind the schedules). */
  async sweep(limit = BATCH_LIMIT): Promise<{ due: number; released: number }> {
    const at = this.clock().toISOString();
    const due = await this.store.listDue(at, limit);
    // Earliest first; every one is tried (the sweep is the backstop), then a failure is reported.
    const { released, failed } = await this.releaseAll(due, at);
    if (failed.length > 0) throw failed[0];
    return { due: due.length, released };
  }

  /**
   * The conditional release of each listed version at `at`, WRITE_CONCURRENCY at a time, earliest
   * first. The listing comes from an eventually consistent index: a version it still shows may have
   * been released or superseded since, and then its write changes nothing (`lost`).
   */
  private async releaseAll(
    due: DueRelease[],
    at: string,
  ): Promise<{ released: number; lost: number; failed: unknown[] }> {
    const outcomes = await mapInOrder(due, WRITE_CONCURRENCY, async ({ itemId, version }) => {
      // releasedAt says when it became public: the write's own time (never before `at`, which every
      // listed version is due by).
      const now = this.clock().toISOString();
      return this.store.release(itemId, version, now > at ? now : at);
    });
    return {
      released: outcomes.filter((o) => o.ok && o.value).length,
      lost: outcomes.filter((o) => o.ok && !o.value).length,
      failed: outcomes.flatMap((o) => (o.ok ? [] : [o.error])),
    };
  }
}
