import type { Logger } from '#shared/adapters/logger.ts';
import type { ReleaseSchedules } from '#shared/adapters/scheduler/release-schedules.ts';
import { NEWS_ITEM_EMBARGOED } from '#shared/contracts/events/names.ts';
import type { ItemHeadReader } from '#shared/domain/ports.ts';
import { scheduledReleaseOf } from '#shared/domain/release-schedule.ts';

export interface ReconcileDeps {
  store: Pick<ItemHeadReader, 'getHead' | 'getVersion'>;
  schedules: Pick<ReleaseSchedules, 'put' | 'remove'>;
  logger: Pick<Logger, 'info' | 'debug'>;
}

/** What the schedule manager reads of an item event on the bus. */
export interface ItemEventRef {
  detailType: string;
  itemId: string;
  version: number;
}

export class ScheduleKeepsChangingError extends Error {
  constructor(readonly itemId: string) {
    super(`The embargo of ${itemId} kept changing while its release schedule was written`);
    this.name = 'ScheduleKeepsChangingError';
  }
}

export type ReconcileOutcome = 'set' | 'removed' | 'unchanged';

/** Rounds of write-then-verify before giving up (the event is then retried, and the sweeper backs it up). */
const MAX_ROUNDS = 3;

/**
 * Keeps an item's release schedule in step with its CURRENT state after one of its events:
 * - `NewsItemEmbargoed` (a held version accepted, or the retraction of an item never public);
 * - a public event of version n > 1 whose version n-1 was held by an embargo (the embargo was
 *   lifted, or a held version was released and a later one followed). Other public events change
 *   no schedule and cost one read.
 * The item's head is read consistently, so events may come twice, late or out of order and the
 * outcome is the same. Two invocations for one item may interleave: each verifies, after its
 * write, that the head still wants what it wrote, and otherwise writes again, so the last write
 * always matches the latest head. A stale schedule would be harmless anyway (the releaser finds
 * nothing held and the schedule deletes itself), and a lost one is covered by the sweeper.
 */
export async function reconcileSchedule(event: ItemEventRef, deps: ReconcileDeps): Promise<ReconcileOutcome> {
  const { itemId } = event;
  if (event.detailType !== NEWS_ITEM_EMBARGOED) {
    const previous = event.version > 1 ? await deps.store.getVersion(itemId, event.version - 1) : undefined;
    if (previous?.hold?.kind !== 'embargo') {
      deps.logger.debug('No release schedule to change', { itemId, version: event.version });
      return 'unchanged';
    }
  }
  let wanted = scheduledReleaseOf(await deps.store.getHead(itemId));
  for (let round = 1; ; round++) {
    if (wanted === undefined) await deps.schedules.remove(itemId);
    else await deps.schedules.put(itemId, wanted);
    const now = scheduledReleaseOf(await deps.store.getHead(itemId));
    if (now === wanted) break;
    // Thrown, the event is retried by EventBridge/Lambda (and the sweeper backs up a release).
    if (round >= MAX_ROUNDS) throw new ScheduleKeepsChangingError(itemId);
    wanted = now;
  }
  if (wanted === undefined) {
    deps.logger.info('Release schedule removed', { itemId });
    return 'removed';
  }
  deps.logger.info('Release schedule set', { itemId, releaseAt: wanted });
  return 'set';
}
