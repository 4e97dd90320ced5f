import { isDue, isHeld } from './embargo';
import type { ReleaseStore } from './ports';

export type ReleaseOutcome =
  /** This call released the item's held version. */
  | 'released'
  /** Nothing to release: unknown item, not held, withheld, or already released by someone else. */
  | 'not-held'
  /** Held, but its embargo time is further away than this call may wait (a stale or early trigger). */
  | 'not-due';

export interface ReleaseServiceDeps {
  store: ReleaseStore;
  clock?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/** How often a release re-reads the head after losing a race (a concurrent correction or release). */
const MAX_ATTEMPTS = 5;

/**
 * Releases held items at their embargo time, never before, exactly once. The release is the
 * store's conditional write (ReleaseStore.release): of a scheduled release, the sweeper and a
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

  /** Releases every held version that is due now (the backstop behind the schedules). */
  async sweep(limit = 500): Promise<{ due: number; released: number }> {
    const now = this.clock();
    const due = await this.store.listDue(now.toISOString(), limit);
    let released = 0;
    // A few at a time: a backlog after an outage must not throttle the table or the API's writes.
    for (let i = 0; i < due.length; i += 10) {
      const outcomes = await Promise.all(due.slice(i, i + 10).map(({ itemId }) => this.releaseItem(itemId)));
      released += outcomes.filter((outcome) => outcome === 'released').length;
    }
    return { due: due.length, released };
  }
}
