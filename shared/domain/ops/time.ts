/**
 * Times and durations as operators type them on the command line: an ISO 8601 date-time with a zone
 * (`2026-12-05T06:00:00Z`, `2026-12-05T08:00+02:00`), a date (`2026-12-05`, midnight UTC), `now`, or a
 * duration ago (`90s`, `15m`, `2h`, `3d`, `1w`; `2h30m` too).
 */

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(?:\d+[smhdw])+$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
// A zone is required: a local time would mean different instants on different operators' machines.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export class TimeParseError extends Error {
  constructor(input: string, why: string) {
    super(`"${input}" is not a time: ${why}`);
    this.name = 'TimeParseError';
  }
}

/** Milliseconds of a duration like `15m` or `2h30m`; throws TimeParseError. */
export function parseDuration(input: string): number {
  const text = input.trim().toLowerCase();
  if (!DURATION.test(text))
    throw new TimeParseError(input, 'expected a duration like 90s, 15m, 2h, 3d or 1w');
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([smhdw])/g))
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  if (total <= 0 || !Number.isSafeInteger(total))
    throw new TimeParseError(input, 'the duration must be positive');
  return total;
}

/** The instant `input` names, relative ones counted back from `now`; throws TimeParseError. */
export function parseTime(input: string, now: Date): Date {
  const text = input.trim();
  if (text.toLowerCase() === 'now') return new Date(now.getTime());
  if (DURATION.test(text.toLowerCase())) return new Date(now.getTime() - parseDuration(text));
  if (DATE_ONLY.test(text) || DATE_TIME.test(text)) {
    // Date may roll 2026-02-31 over to March: the calendar date must exist as written.
    const [year, month, day] = text.slice(0, 10).split('-').map(Number);
    const calendar = new Date(`${text.slice(0, 10)}T00:00:00Z`);
    const date = new Date(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
    if (
      Number.isNaN(date.getTime()) ||
      Number.isNaN(calendar.getTime()) ||
      !sameDay(calendar, year!, month!, day!)
    )
      throw new TimeParseError(input, 'no such date');
    return date;
  }
  throw new TimeParseError(
    input,
    'expected an ISO 8601 date-time with a zone (2026-12-05T06:00:00Z), a date (2026-12-05), now, or a duration ago (15m, 2h, 3d)',
  );
}

function sameDay(date: Date, year: number, month: number, day: number): boolean {
  return date.getUTCFullYear() === year && date.getUTCMonth() + 1 === month && date.getUTCDate() === day;
}

/** A window [from, to) checked the way EventBridge replays and delivery searches need it. */
export function parseWindow(from: string, to: string | undefined, now: Date): { from: Date; to: Date } {
  const start = parseTime(from, now);
  const end = to === undefined ? new Date(now.getTime()) : parseTime(to, now);
  if (start.getTime() >= end.getTime())
    throw new TimeParseError(from, `--from must be before --to (${end.toISOString()})`);
  if (end.getTime() > now.getTime())
    throw new TimeParseError(to ?? 'now', 'the window cannot end in the future');
  return { from: start, to: end };
}

/** `3d 4h`, `12m 5s`, `850ms`: the two largest units, for tables. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000);
  for (const [unit, seconds] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const amount = Math.floor(rest / seconds);
    rest -= amount * seconds;
    if (amount > 0 || parts.length > 0) parts.push(`${amount}${unit}`);
    if (parts.length === 2) break;
  }
  return parts.filter((part) => !/^0[a-z]$/.test(part)).join(' ') || '0s';
}
