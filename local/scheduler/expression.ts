/**
 * EventBridge Scheduler's schedule expressions, evaluated in `ScheduleExpressionTimezone` (default UTC):
 * `at(yyyy-mm-ddThh:mm:ss)` (one-time), `rate(value unit)` and `cron(...)` (recurring), bounded by
 * `StartDate`/`EndDate` for recurring schedules (Scheduler ignores both for one-time schedules).
 */
import { InvalidScheduleError, parseCron, parseRate } from '../eventbridge/schedule';
import { type AwsCron, zonedTimeToInstant } from '../support/aws-cron';

export type ScheduleTiming =
  | { kind: 'at'; at: number }
  | { kind: 'rate'; everyMs: number }
  | { kind: 'cron'; cron: AwsCron };

export { InvalidScheduleError };

/** Parses an expression; throws InvalidScheduleError. The time zone must already be valid. */
export function parseScheduleExpression(expression: string, timezone = 'UTC'): ScheduleTiming {
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression.trim());
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const check = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    if (
      check.getUTCFullYear() !== year ||
      check.getUTCMonth() !== month - 1 ||
      check.getUTCDate() !== day ||
      hour > 23 ||
      minute > 59 ||
      second > 59
    )
      throw new InvalidScheduleError(expression, 'not a valid date and time');
    return { kind: 'at', at: zonedTimeToInstant({ year, month, day, hour, minute, second }, timezone) };
  }
  if (expression.trim().startsWith('at('))
    throw new InvalidScheduleError(expression, 'expected at(yyyy-mm-ddThh:mm:ss)');
  const everyMs = parseRate(expression);
  if (everyMs !== undefined) return { kind: 'rate', everyMs };
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (cron) return { kind: 'cron', cron: parseCron(cron[1] as string, expression, timezone) };
  throw new InvalidScheduleError(expression, 'expected at(...), rate(...) or cron(...)');
}

export interface ScheduleWindow {
  /** Epoch ms; recurring schedules only. */
  startDate?: number;
  endDate?: number;
  /** When the schedule was created (or last re-timed): a rate schedule without StartDate starts then. */
  anchor: number;
}

/**
 * The first invocation time strictly after `after` (epoch ms), or undefined when the schedule has none
 * left. Rate schedules fire at `StartDate` (or at creation) and every period after; cron schedules at
 * their times on or after `StartDate`; neither at or after `EndDate`.
 */
export function nextInvocation(
  timing: ScheduleTiming,
  window: ScheduleWindow,
  after: number,
): number | undefined {
  if (timing.kind === 'at') return timing.at > after ? timing.at : undefined;
  const start = window.startDate ?? window.anchor;
  let next: number | undefined;
  if (timing.kind === 'rate') {
    next =
      after < start ? start : start + (Math.floor((after - start) / timing.everyMs) + 1) * timing.everyMs;
  } else {
    const from = Math.max(after, (window.startDate ?? Number.NEGATIVE_INFINITY) - 1);
    next = timing.cron.next(new Date(from))?.getTime();
  }
  if (next === undefined || (window.endDate !== undefined && next >= window.endDate)) return undefined;
  return next;
}
