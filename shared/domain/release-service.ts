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
  /** Where concurrent burst releasers start in the due list (tests pin it); uniform in [0, 1). */
  random?: () => number;
}

/** How often a release re-reads the head after losing a race (a concurrent correction or release). */
const MAX_ATTEMPTS = 5;
/**
 * Release writes in flight at once (burst and sweep): enough to release hundreds of items per
 * second, few enough that a burst or a backlog after an outage does not throttle the table or the
 * API's writes.
 */
const WRITE_CONCURRENCY = 5;
/** Writes that find nothing to release before a burst releaser leaves the rest to the others. */
const LOST_BEFORE_YIELDING = 3;
/** Listings a burst releaser works through before it leaves what is left to the items' own triggers. */
const BURST_PASSES = 3;
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
  private readonly random: () => number;

  constructor(deps: ReleaseServiceDeps) {
    this.store = deps.store;
    this.clock = deps.clock ?? (() => new Date());
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = deps.random ?? Math.random;
  }

  /**
   * Releases the item's held version if its embargo time has come. A trigger that arrives up to
   * `maxWaitMs` early (EventBridge Scheduler fires within the minute it is set for) waits for it.
   */
  async releaseItem(itemId: string, maxWaitMs = 0): Promise<ReleaseOutcome> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const head = await this.store.getHead(itemId);
      if (head === undefined || !isHeld(head) || head.hold?.kind !== 'embargo') return 'not-held';
      let now = this.clock();
      if (!isDue(head, now)) {
        const wait = Date.parse(head.hold.until) - now.getTime();
        if (wait > maxWaitMs) return 'not-due';
        await this.sleep(wait);
        now = this.clock();
        if (!isDue(head, now)) continue;
      }
      if (await this.store.release(itemId, head.version, now.toISOString())) return 'released';
      // Released by another trigger, or superseded by a correction: look again.
    }
    return 'not-held';
  }

  /**
   * The scheduled trigger of one item. Embargoes end together (a press conference, "00:01"), and
   * each held item has its own trigger: the first trigger to reach the time releases its item AND
   * every other item due by then (the HeldByReleaseTime index lists them), a bounded number of
   * writes at a time, so the burst is released in one go and the other triggers end after one
   * read (their item is already released). Each release is still the one conditional write
   * (released only if held, not superseded and due at `now`), so concurrent burst releasers, the
   * sweep and corrections keep exactly-once, and nothing due even 1 ms after `now` is touched.
   * Concurrent burst releasers start at random points of the list; each stops soon after it runs
   * into items another one released, then lists again for whatever is still due (a few times).
   */
  async releaseScheduled(itemId: string, maxWaitMs = 0): Promise<ScheduledRelease> {
    const head = await this.store.getHead(itemId);
    if (head === undefined || !isHeld(head) || head.hold?.kind !== 'embargo')
      return { outcome: 'not-held', alsoReleased: 0, lost: 0, failed: 0 };
    const wait = Date.parse(head.hold.until) - this.clock().getTime();
    if (wait > maxWaitMs) return { outcome: 'not-due', alsoReleased: 0, lost: 0, failed: 0 };
    if (wait > 0) await this.sleep(wait);
    const now = this.clock();
    const at = now.toISOString();
    // Its own item first; the burst's listing meanwhile. Both end before the invocation does.
    const [own, burst] = await Promise.allSettled([
      isDue(head, now) ? this.store.release(itemId, head.version, at) : Promise.resolve(false),
      this.releaseBurst(itemId, at),
    ]);
    if (own.status === 'rejected') throw own.reason;
    if (burst.status === 'rejected') throw burst.reason;
    // Not released by this write: a correction superseded it, another trigger released it, or the
    // wait ended a little early. The item-by-item path reads the head again and decides.
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
   * The other items due at `at` (releaseScheduled). They are a bonus: a failure here (listing or
   * writing) is reported, not thrown, and those items' own triggers and the sweep still come.
   */
  private async releaseBurst(
    ownItemId: string,
    at: string,
  ): Promise<{ released: number; lost: number; errors: unknown[] }> {
    const errors: unknown[] = [];
    // Versions this releaser has written (released, or found released or superseded): a later
    // listing that still shows them (the index lags) does not cost a second write, or a yield.
    const written = new Set<string>();
    const key = (d: DueRelease) => `${d.itemId}#${d.version}`;
    const list = () =>
      this.store.listDue(at, BATCH_LIMIT).then(
        (due) => due.filter((d) => d.itemId !== ownItemId && !written.has(key(d))),
        (error: unknown) => {
          errors.push(error);
          return [];
        },
      );
    const total = { released: 0, lost: 0 };
    for (let pass = 1; pass <= BURST_PASSES; pass++) {
      const due = await list();
      const start = Math.floor(this.random() * due.length);
      const { released, lost, skipped, failed, attempted } = await this.releaseAll(
        [...due.slice(start), ...due.slice(0, start)],
        at,
        true,
      );
      total.released += released;
      total.lost += lost;
      errors.push(...failed);
      for (const d of attempted) written.add(key(d));
      // Walked to the end: the list is done. Stopped short: releasers that ran into each other may
      // all have stopped short of a stretch, so the index is asked again for what is still due.
      if (skipped === 0) break;
    }
    return { ...total, errors };
  }

  /** Releases every held version that is due now (the backstop behind the schedules). */
  async sweep(limit = BATCH_LIMIT): Promise<{ due: number; released: number }> {
    const at = this.clock().toISOString();
    const due = await this.store.listDue(at, limit);
    // Earliest first; every one is tried (the sweep is the backstop), then a failure is reported.
    const { released, failed } = await this.releaseAll(due, at, false);
    if (failed.length > 0) throw failed[0];
    return { due: due.length, released };
  }

  /**
   * The conditional release of each listed version at `at`, WRITE_CONCURRENCY at a time. The
   * listing comes from an eventually consistent index: a version it still shows may have been
   * released or superseded since, and then its write changes nothing (`lost`). `yieldToOthers`:
   * skip the rest after a few such writes. Concurrent releasers walk the list in the same
   * direction, each from its own point, so the one that runs into another's released items has
   * mostly covered its stretch, and the one ahead covers the rest.
   */
  private async releaseAll(
    due: DueRelease[],
    at: string,
    yieldToOthers: boolean,
  ): Promise<{
    released: number;
    lost: number;
    skipped: number;
    failed: unknown[];
    /** The versions whose write went through (released or lost). */
    attempted: DueRelease[];
  }> {
    let lost = 0;
    const outcomes = await mapInOrder(due, WRITE_CONCURRENCY, async ({ itemId, version }) => {
      if (yieldToOthers && lost >= LOST_BEFORE_YIELDING) return 'skipped';
      // releasedAt says when it became public: the write's own time (never before `at`, which every
      // listed version is due by).
      const now = this.clock().toISOString();
      const released = await this.store.release(itemId, version, now > at ? now : at);
      if (!released) lost++;
      return released ? 'released' : 'lost';
    });
    const count = (value: string) => outcomes.filter((o) => o.ok && o.value === value).length;
    return {
      released: count('released'),
      lost: count('lost'),
      skipped: count('skipped'),
      failed: outcomes.flatMap((o) => (o.ok ? [] : [o.error])),
      attempted: due.filter((_, i) => outcomes[i]?.ok && outcomes[i].value !== 'skipped'),
    };
  }
}
