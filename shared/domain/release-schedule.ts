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
 * `at(yyyy-mm-ddThh:mm:ss)` in UTC for an embargo time, rounded DOWN to the second: the schedule
 * fires at most a second early and the releaser waits for the exact time (it refuses to release
 * before it), so the release is not delayed by the rounding.
 */
export function atExpressionOf(until: string): string {
  const ms = Math.floor(Date.parse(until) / 1000) * 1000;
  return `at(${new Date(ms).toISOString().slice(0, 19)})`;
}

/** The release time an item's schedule should have now; undefined when it should have none. */
export function scheduledReleaseOf(head: ItemHead | undefined): string | undefined {
  if (head === undefined || !isHeld(head) || head.hold?.kind !== 'embargo') return undefined;
  return head.hold.until;
}
