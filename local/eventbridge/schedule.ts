/**
 * EventBridge schedule expressions: `rate(value unit)` and AWS's six-field `cron(...)` (UTC, minute
 * granularity). Cron fields: minutes, hours, day-of-month, month, day-of-week, year; one of day-of-month and
 * day-of-week must be `?`. Supported: `*`, `?`, lists, ranges, `/` increments, `L`, `W`, `LW`, `#`, names.
 */

export class InvalidScheduleError extends Error {
  constructor(expression: string, reason: string) {
    super(`Parameter ScheduleExpression is not valid: ${expression} (${reason})`);
    this.name = 'InvalidScheduleError';
  }
}

export type Schedule = { kind: 'rate'; everyMs: number } | { kind: 'cron'; cron: CronExpression };

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface DayOfMonthRule {
  days: Set<number>;
  last: boolean; // L
  lastWeekday: boolean; // LW
  nearestWeekday: number | undefined; // nW
}

interface DayOfWeekRule {
  days: Set<number>; // 1 = Sunday .. 7 = Saturday
  lastOf: number | undefined; // nL: last such weekday of the month
  nth: { day: number; n: number } | undefined; // d#n
}

export interface CronExpression {
  minutes: Set<number>;
  hours: Set<number>;
  dayOfMonth: DayOfMonthRule | 'any';
  months: Set<number>; // 1..12
  dayOfWeek: DayOfWeekRule | 'any';
  years: Set<number> | 'all';
}

function parseNumber(token: string, names: string[] | undefined, offset: number, expression: string): number {
  const upper = token.toUpperCase();
  const named = names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + offset;
  if (!/^[0-9]+$/.test(token)) throw new InvalidScheduleError(expression, `bad value '${token}'`);
  return Number(token);
}

function parseSet(
  field: string,
  min: number,
  max: number,
  expression: string,
  names?: string[],
  nameOffset = min,
): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [rangeText, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : parseNumber(stepText, undefined, 0, expression);
    if (step < 1) throw new InvalidScheduleError(expression, `bad increment in '${part}'`);
    let from: number;
    let to: number;
    if (rangeText === '*') {
      from = min;
      to = max;
    } else if (rangeText.includes('-')) {
      const [a, b] = rangeText.split('-') as [string, string];
      from = parseNumber(a, names, nameOffset, expression);
      to = parseNumber(b, names, nameOffset, expression);
    } else {
      from = parseNumber(rangeText, names, nameOffset, expression);
      to = stepText === undefined ? from : max;
    }
    if (from < min || to > max || from > to)
      throw new InvalidScheduleError(expression, `'${part}' is out of range ${min}-${max}`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function parseDayOfMonth(field: string, expression: string): DayOfMonthRule | 'any' {
  if (field === '?') return 'any';
  const rule: DayOfMonthRule = {
    days: new Set(),
    last: false,
    lastWeekday: false,
    nearestWeekday: undefined,
  };
  const upper = field.toUpperCase();
  if (upper === 'L') rule.last = true;
  else if (upper === 'LW') rule.lastWeekday = true;
  else if (/^[0-9]+W$/.test(upper)) {
    rule.nearestWeekday = Number(upper.slice(0, -1));
    if (rule.nearestWeekday < 1 || rule.nearestWeekday > 31)
      throw new InvalidScheduleError(expression, 'bad day-of-month');
  } else rule.days = parseSet(field, 1, 31, expression);
  return rule;
}

function parseDayOfWeek(field: string, expression: string): DayOfWeekRule | 'any' {
  if (field === '?') return 'any';
  const rule: DayOfWeekRule = { days: new Set(), lastOf: undefined, nth: undefined };
  const upper = field.toUpperCase();
  if (/^([1-7]|[A-Z]{3})L$/.test(upper)) {
    rule.lastOf = parseNumber(upper.slice(0, -1), WEEKDAYS, 1, expression);
  } else if (upper.includes('#')) {
    const [dayText, nText] = upper.split('#') as [string, string];
    const n = Number(nText);
    if (!Number.isInteger(n) || n < 1 || n > 5)
      throw new InvalidScheduleError(expression, 'bad # occurrence');
    rule.nth = { day: parseNumber(dayText, WEEKDAYS, 1, expression), n };
  } else if (upper === 'L') {
    rule.days = new Set([7]);
  } else {
    rule.days = parseSet(field, 1, 7, expression, WEEKDAYS, 1);
  }
  return rule;
}

export function parseCron(body: string, expression = `cron(${body})`): CronExpression {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw new InvalidScheduleError(expression, 'cron needs 6 fields');
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    throw new InvalidScheduleError(expression, 'exactly one of day-of-month and day-of-week must be ?');
  }
  return {
    minutes: parseSet(min, 0, 59, expression),
    hours: parseSet(hour, 0, 23, expression),
    dayOfMonth: parseDayOfMonth(dom, expression),
    months: parseSet(month, 1, 12, expression, MONTHS, 1),
    dayOfWeek: parseDayOfWeek(dow, expression),
    years: year === '*' ? 'all' : parseSet(year, 1970, 2199, expression),
  };
}

export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] as string;
    if (value < 1) throw new InvalidScheduleError(expression, 'rate must be positive');
    // AWS insists on the singular unit for 1 and the plural otherwise.
    if ((value === 1) !== !unit.endsWith('s'))
      throw new InvalidScheduleError(expression, 'unit must agree with the value');
    const unitMs = unit.startsWith('minute') ? 60_000 : unit.startsWith('hour') ? 3_600_000 : 86_400_000;
    return { kind: 'rate', everyMs: value * unitMs };
  }
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (cron) return { kind: 'cron', cron: parseCron(cron[1] as string, expression) };
  throw new InvalidScheduleError(expression, 'expected rate(...) or cron(...)');
}

const isWeekday = (date: Date) => date.getUTCDay() !== 0 && date.getUTCDay() !== 6;
const daysInMonth = (year: number, month0: number) => new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();

function nearestWeekday(year: number, month0: number, day: number): number {
  const last = daysInMonth(year, month0);
  const target = Math.min(day, last);
  const weekday = new Date(Date.UTC(year, month0, target)).getUTCDay();
  if (weekday === 6) return target === 1 ? 3 : target - 1; // Saturday -> Friday, unless that leaves the month
  if (weekday === 0) return target === last ? target - 2 : target + 1; // Sunday -> Monday, unless that leaves the month
  return target;
}

function dayMatches(cron: CronExpression, date: Date): boolean {
  const year = date.getUTCFullYear();
  const month0 = date.getUTCMonth();
  const day = date.getUTCDate();
  if (cron.years !== 'all' && !cron.years.has(year)) return false;
  if (!cron.months.has(month0 + 1)) return false;
  const last = daysInMonth(year, month0);
  if (cron.dayOfMonth !== 'any') {
    const rule = cron.dayOfMonth;
    if (rule.last) return day === last;
    if (rule.lastWeekday) {
      let d = last;
      while (!isWeekday(new Date(Date.UTC(year, month0, d)))) d--;
      return day === d;
    }
    if (rule.nearestWeekday !== undefined) return day === nearestWeekday(year, month0, rule.nearestWeekday);
    return rule.days.has(day);
  }
  const rule = cron.dayOfWeek as DayOfWeekRule;
  const weekday = date.getUTCDay() + 1;
  if (rule.lastOf !== undefined) return weekday === rule.lastOf && day + 7 > last;
  if (rule.nth !== undefined) return weekday === rule.nth.day && Math.ceil(day / 7) === rule.nth.n;
  return rule.days.has(weekday);
}

/** The first minute strictly after `after` at which the cron expression fires, or undefined if none (≤ 2199). */
export function nextCronTime(cron: CronExpression, after: Date): Date | undefined {
  const start = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  const hours = [...cron.hours].sort((a, b) => a - b);
  const minutes = [...cron.minutes].sort((a, b) => a - b);
  let day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  const firstDay = day.getTime();
  for (let i = 0; i < 366 * 230 && day.getUTCFullYear() <= 2199; i++) {
    if (dayMatches(cron, day)) {
      for (const hour of hours) {
        for (const minute of minutes) {
          const candidate = new Date(day.getTime() + hour * 3_600_000 + minute * 60_000);
          if (day.getTime() !== firstDay || candidate >= start) return candidate;
        }
      }
    }
    day = new Date(day.getTime() + 86_400_000);
  }
  return undefined;
}

/** The next time a schedule fires after `after`; rate schedules count from `since` (when the rule started). */
export function nextFireTime(schedule: Schedule, after: Date, since: Date): Date | undefined {
  if (schedule.kind === 'cron') return nextCronTime(schedule.cron, after);
  const elapsed = after.getTime() - since.getTime();
  const periods = Math.floor(elapsed / schedule.everyMs) + 1;
  return new Date(since.getTime() + periods * schedule.everyMs);
}
