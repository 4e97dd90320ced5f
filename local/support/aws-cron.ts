/**
 * AWS's six-field cron (`minutes hours day-of-month month day-of-week year`, used by EventBridge rules
 * and EventBridge Scheduler) on the croner library. AWS's dialect is Quartz-like: day-of-week 1-7 is
 * Sunday-Saturday, exactly one of day-of-month and day-of-week is `?`, `L`/`W`/`LW`/`#` as in Quartz,
 * years 1970-2199. Croner evaluates it (time zones included); this module only checks AWS's syntax,
 * translates the two spellings croner does not share (`nL` in day-of-week, `L` alone in day-of-week) and
 * applies Scheduler's daylight-saving rules, which differ from croner's (Vixie cron's).
 */
import { Cron } from 'croner';

export class InvalidCronError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidCronError';
  }
}

const MONTH_NAMES = 'JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC';
const DAY_NAMES = 'SUN|MON|TUE|WED|THU|FRI|SAT';
const num = (max: number) => `(?:\\d{1,${max}})`;
/** One comma-separated part of each field, as AWS's cron reference allows it. */
const FIELD_PARTS: Array<{ name: string; part: RegExp }> = [
  { name: 'minutes', part: new RegExp(`^(?:\\*|${num(2)}(?:-${num(2)})?)(?:/${num(2)})?$`) },
  { name: 'hours', part: new RegExp(`^(?:\\*|${num(2)}(?:-${num(2)})?)(?:/${num(2)})?$`) },
  {
    name: 'day-of-month',
    part: new RegExp(`^(?:\\?|L|LW|${num(2)}W|(?:\\*|${num(2)}(?:-${num(2)})?)(?:/${num(2)})?)$`, 'i'),
  },
  {
    name: 'month',
    part: new RegExp(
      `^(?:\\*|(?:${num(2)}|${MONTH_NAMES})(?:-(?:${num(2)}|${MONTH_NAMES}))?)(?:/${num(2)})?$`,
      'i',
    ),
  },
  {
    name: 'day-of-week',
    part: new RegExp(
      `^(?:\\?|L|[1-7]L|(?:${DAY_NAMES})L|(?:[1-7]|${DAY_NAMES})#[1-5]|(?:\\*|(?:[1-7]|${DAY_NAMES})(?:-(?:[1-7]|${DAY_NAMES}))?)(?:/\\d)?)$`,
      'i',
    ),
  },
  { name: 'year', part: /^(?:\*|\d{4}(?:-\d{4})?)(?:\/\d{1,3})?$/ },
];
const RANGES: Array<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [1, 7],
  [1970, 2199],
];

/** A parsed AWS cron expression, evaluated in one time zone (UTC unless given). */
export interface AwsCron {
  readonly expression: string;
  readonly timezone: string;
  /** The first time strictly after `after` at which it fires, or undefined when it never fires again. */
  next(after: Date): Date | undefined;
}

/** Parses the body of `cron(...)`; throws InvalidCronError with AWS-style reasons. */
export function parseAwsCron(body: string, timezone = 'UTC'): AwsCron {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw new InvalidCronError('a cron expression has 6 fields');
  const [, , dom, , dow] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?'))
    throw new InvalidCronError('exactly one of day-of-month and day-of-week must be ?');
  fields.forEach((field, i) => {
    const { name, part } = FIELD_PARTS[i]!;
    const parts = field.split(',');
    if (i === 4 && field.includes('#') && parts.length > 1)
      throw new InvalidCronError('a day-of-week with # takes a single expression');
    for (const p of parts) {
      if (!part.test(p)) throw new InvalidCronError(`bad ${name} '${p}'`);
      const [min, max] = RANGES[i]!;
      const [range] = p.split('/') as [string];
      for (const n of range.match(/\d+/g) ?? []) {
        // `#n` and the `/step` are not values of the field.
        if (range.includes('#') && range.endsWith(`#${n}`)) continue;
        const value = Number(n);
        if (value < min || value > max)
          throw new InvalidCronError(`${name} '${p}' is out of range ${min}-${max}`);
      }
    }
  });
  const pattern = ['0', ...fields.map((f, i) => (i === 4 ? croneDayOfWeek(f) : f))].join(' ');
  let cron: Cron;
  try {
    cron = new Cron(pattern, {
      paused: true,
      mode: '7-part',
      alternativeWeekdays: true, // Quartz numbering: 1 = Sunday
      sloppyRanges: true, // AWS writes `0/15` for "every 15 from 0"
      timezone,
    });
  } catch (error) {
    throw new InvalidCronError((error as Error).message.replace(/^CronPattern: /, ''));
  }
  return {
    expression: body,
    timezone,
    next: (after) => nextAwsRun(cron, after, timezone),
  };
}

/** `6L` (last Friday) is croner's `6#L`; `L` alone in day-of-week is Saturday, the week's last day. */
function croneDayOfWeek(field: string): string {
  const upper = field.toUpperCase();
  if (upper === 'L') return '7';
  const last = /^([1-7]|[A-Z]{3})L$/.exec(upper);
  return last ? `${last[1]}#L` : field;
}

/**
 * Scheduler's daylight-saving rules (its user guide): a time that does not exist when clocks go
 * forward is skipped, and a time that occurs twice when they go back fires once. Croner instead runs
 * a skipped fixed time just after the gap and an interval job in both passes; those runs are dropped.
 */
function nextAwsRun(cron: Cron, after: Date, timezone: string): Date | undefined {
  let cursor = after;
  for (let i = 0; i < 1000; i++) {
    const next = cron.nextRun(cursor);
    if (next === null) return undefined;
    const inGapShift = !cron.match(next); // moved past a gap: its wall-clock time is not the pattern's
    const secondPass = REPEAT_OFFSETS_MS.some(
      (offset) => wallClock(new Date(next.getTime() - offset), timezone) === wallClock(next, timezone),
    );
    if (!inGapShift && !secondPass) return next;
    cursor = next;
  }
  return undefined;
}

/** Clock changes in use: 30 minutes (Lord Howe), one hour, two hours. */
const REPEAT_OFFSETS_MS = [1_800_000, 3_600_000, 7_200_000];

const wallClockFormats = new Map<string, Intl.DateTimeFormat>();
/** The local date and time in a zone, to the second, as text. */
export function wallClock(date: Date, timezone: string): string {
  let format = wallClockFormats.get(timezone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    wallClockFormats.set(timezone, format);
  }
  return format.format(date);
}

/** Whether the runtime knows an IANA time zone (e.g. `Europe/Paris`). */
export function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(instant: number, timezone: string): number {
  const parts = wallClock(new Date(instant), timezone).match(/\d+/g)!.map(Number);
  const [month, day, year, hour, minute, second] = parts as [number, number, number, number, number, number];
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a local date-time names in a zone. A time skipped by a clock change maps to the
 * instant just after the gap (the offset before it applied); a repeated one to its first occurrence.
 */
export function zonedTimeToInstant(
  local: { year: number; month: number; day: number; hour: number; minute: number; second: number },
  timezone: string,
): number {
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  const first = asUtc - offsetAt(asUtc, timezone);
  const second = asUtc - offsetAt(first, timezone);
  if (first === second) {
    // A repeated time: the earlier instant with the same wall clock wins.
    const earlier = REPEAT_OFFSETS_MS.map((o) => first - o).find(
      (t) => wallClock(new Date(t), timezone) === wallClock(new Date(first), timezone),
    );
    return earlier ?? first;
  }
  const matches = [first, second].filter(
    (t) => offsetAt(t, timezone) === asUtc - t, // the candidate really shows this wall clock
  );
  return matches.length > 0 ? Math.min(...matches) : Math.max(first, second);
}
