/**
 * EventBridge rule schedule expressions: `rate(value unit)` and AWS's six-field `cron(...)` in UTC
 * (minute granularity). Cron expressions are evaluated by the croner library through the AWS-dialect
 * adapter in `local/support/aws-cron.ts`, shared with the local EventBridge Scheduler.
 */
import { type AwsCron, InvalidCronError, parseAwsCron } from '../support/aws-cron';

export class InvalidScheduleError extends Error {
  constructor(expression: string, reason: string) {
    super(`Parameter ScheduleExpression is not valid: ${expression} (${reason})`);
    this.name = 'InvalidScheduleError';
  }
}

export type Schedule = { kind: 'rate'; everyMs: number } | { kind: 'cron'; cron: AwsCron };

/** `rate(value unit)`: AWS insists on the singular unit for 1 and the plural otherwise. */
export function parseRate(expression: string): number | undefined {
  const rate = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (!rate) return undefined;
  const value = Number(rate[1]);
  const unit = rate[2] as string;
  if (value < 1) throw new InvalidScheduleError(expression, 'rate must be positive');
  if ((value === 1) !== !unit.endsWith('s'))
    throw new InvalidScheduleError(expression, 'unit must agree with the value');
  const unitMs = unit.startsWith('minute') ? 60_000 : unit.startsWith('hour') ? 3_600_000 : 86_400_000;
  return value * unitMs;
}

/** Parses the body of `cron(...)` (UTC unless a zone is given). */
export function parseCron(body: string, expression = `cron(${body})`, timezone = 'UTC'): AwsCron {
  try {
    return parseAwsCron(body, timezone);
  } catch (error) {
    if (error instanceof InvalidCronError) throw new InvalidScheduleError(expression, error.message);
    throw error;
  }
}

export function parseSchedule(expression: string): Schedule {
  const everyMs = parseRate(expression);
  if (everyMs !== undefined) return { kind: 'rate', everyMs };
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (cron) return { kind: 'cron', cron: parseCron(cron[1] as string, expression) };
  throw new InvalidScheduleError(expression, 'expected rate(...) or cron(...)');
}

/** The first time strictly after `after` at which the cron expression fires, or undefined if none (≤ 2199). */
export function nextCronTime(cron: AwsCron, after: Date): Date | undefined {
  return cron.next(after);
}

/** The next time a schedule fires after `after`; rate schedules count from `since` (when the rule started). */
export function nextFireTime(schedule: Schedule, after: Date, since: Date): Date | undefined {
  if (schedule.kind === 'cron') return nextCronTime(schedule.cron, after);
  const elapsed = after.getTime() - since.getTime();
  const periods = Math.floor(elapsed / schedule.everyMs) + 1;
  return new Date(since.getTime() + periods * schedule.everyMs);
}
