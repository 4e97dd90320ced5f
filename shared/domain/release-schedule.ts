import { isHeld } from './embargo';
import type { ItemHead } from './item';

/**
 * The one EventBridge Scheduler schedule of a held item (pure: names and expressions). Its name
 * is derived from the item id, so every change of an embargo updates or deletes the same schedule.
 */
export function releaseScheduleName(itemId: string): string {
  return `release-${itemId}`;
}

/**
 * EventBridge Scheduler invokes a target with 60-second precision: a schedule set for 1:00 fires
 * between 1:00:00 and 1:00:59 (Scheduler User Guide, "Schedule types"). A schedule set AT the
 * embargo time would therefore release up to 59 s late.
 */
export const SCHEDULER_PRECISION_MS = 60_000;
/** How far ahead of its creation a schedule is set at least, so it is never created in the past. */
export const SCHEDULE_CREATION_MARGIN_MS = 2_000;
/**
 * The most a release trigger can come before its embargo time: the schedule is set a minute before
 * the embargo's minute and may fire at its very start (see {@link atExpressionOf}).
 */
export const MAX_TRIGGER_LEAD_MS = 2 * SCHEDULER_PRECISION_MS;

/**
 * `at(yyyy-mm-ddThh:mm:ss)` in UTC for an embargo time: the minute BEFORE the embargo's minute, so
 * Scheduler's firing somewhere within that minute always comes before the embargo time (0 to 120 s
 * early), and the releaser waits for the exact instant (it refuses to release before it). An
 * embargo closer than that gets the earliest second at least SCHEDULE_CREATION_MARGIN_MS after
 * `nowMs` (a schedule is never set in the past); it may then fire up to a minute after the embargo
 * time, and the sweep bounds that too.
 */
export function atExpressionOf(until: string, nowMs: number): string {
  const untilMs = Date.parse(until);
  const minuteBefore =
    Math.floor(untilMs / SCHEDULER_PRECISION_MS) * SCHEDULER_PRECISION_MS - SCHEDULER_PRECISION_MS;
  const earliest = Math.ceil((nowMs + SCHEDULE_CREATION_MARGIN_MS) / 1000) * 1000;
  return `at(${new Date(Math.max(minuteBefore, earliest)).toISOString().slice(0, 19)})`;
}

/** The release time an item's schedule should have now; undefined when it should have none. */
export function scheduledReleaseOf(head: ItemHead | undefined): string | undefined {
  if (head === undefined || !isHeld(head) || head.hold?.kind !== 'embargo') return undefined;
  return head.hold.until;
}
