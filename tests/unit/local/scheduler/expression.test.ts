import { describe, expect, it } from 'vitest';
import {
  InvalidScheduleError,
  nextInvocation,
  parseScheduleExpression,
  type ScheduleTiming,
} from '#local/scheduler/expression.ts';

const ms = (iso: string) => Date.parse(iso);
const iso = (value: number | undefined) => (value === undefined ? undefined : new Date(value).toISOString());

/** The next `count` invocations after `after`, as ISO strings. */
function runs(
  timing: ScheduleTiming,
  after: string,
  count: number,
  window: { startDate?: string; endDate?: string } = {},
) {
  const out: Array<string | undefined> = [];
  let cursor = ms(after);
  const w = {
    anchor: ms(after) + 1,
    ...(window.startDate && { startDate: ms(window.startDate) }),
    ...(window.endDate && { endDate: ms(window.endDate) }),
  };
  for (let i = 0; i < count; i++) {
    const next = nextInvocation(timing, w, cursor);
    out.push(iso(next));
    if (next === undefined) break;
    cursor = next;
  }
  return out;
}

describe('at() expressions', () => {
  it.each([
    ['at(2030-01-01T00:00:00)', undefined, '2030-01-01T00:00:00.000Z'],
    ['at(2030-07-01T09:00:00)', 'Europe/Paris', '2030-07-01T07:00:00.000Z'], // CEST, UTC+2
    ['at(2030-01-15T09:00:00)', 'Europe/Paris', '2030-01-15T08:00:00.000Z'], // CET, UTC+1
    ['at(2030-01-01T05:30:00)', 'Asia/Kolkata', '2030-01-01T00:00:00.000Z'],
    // A wall-clock time that occurs twice (New York falls back at 02:00 EDT): its first occurrence.
    ['at(2024-11-03T01:30:00)', 'America/New_York', '2024-11-03T05:30:00.000Z'],
    // One that does not exist (clocks jump from 02:00 to 03:00): the instant just after the gap.
    ['at(2024-03-10T02:30:00)', 'America/New_York', '2024-03-10T07:30:00.000Z'],
  ])('%s in %s is %s', (expression, zone, expected) => {
    const timing = parseScheduleExpression(expression, zone);
    expect(timing.kind).toBe('at');
    expect(iso((timing as { at: number }).at)).toBe(expected);
  });

  it('fires once, and never again after its time', () => {
    const timing = parseScheduleExpression('at(2030-01-01T00:00:00)');
    expect(runs(timing, '2029-12-31T23:59:59Z', 2)).toEqual(['2030-01-01T00:00:00.000Z', undefined]);
  });

  it.each([
    'at(2030-02-30T00:00:00)',
    'at(2030-13-01T00:00:00)',
    'at(2030-01-01T24:00:00)',
    'at(2030-01-01 00:00:00)',
    'at(2030-01-01T00:00)',
    'at(2030-01-01T00:00:00Z)',
  ])('rejects %s', (expression) => {
    expect(() => parseScheduleExpression(expression)).toThrow(InvalidScheduleError);
  });
});

describe('rate() expressions', () => {
  it('starts at creation without StartDate and repeats every period', () => {
    const timing = parseScheduleExpression('rate(5 minutes)');
    expect(
      nextInvocation(timing, { anchor: ms('2030-01-01T00:00:00Z') }, ms('2030-01-01T00:00:00Z') - 1),
    ).toBe(ms('2030-01-01T00:00:00Z'));
    // `runs` creates the schedule 1 ms after `after`: the first run is then, the next a period later.
    expect(runs(timing, '2030-01-01T00:00:00Z', 2)).toEqual([
      '2030-01-01T00:00:00.001Z',
      '2030-01-01T00:05:00.001Z',
    ]);
  });

  it('starts at StartDate and stops before EndDate', () => {
    const timing = parseScheduleExpression('rate(1 hour)');
    expect(
      runs(timing, '2030-01-01T00:00:00Z', 5, {
        startDate: '2030-01-01T06:00:00Z',
        endDate: '2030-01-01T08:00:00Z',
      }),
    ).toEqual(['2030-01-01T06:00:00.000Z', '2030-01-01T07:00:00.000Z', undefined]);
  });

  it('counts days as 24 hours, whatever daylight saving does', () => {
    const timing = parseScheduleExpression('rate(1 day)', 'America/New_York');
    expect(runs(timing, '2024-03-09T12:00:00Z', 2, { startDate: '2024-03-09T12:00:00Z' })).toEqual([
      '2024-03-10T12:00:00.000Z',
      '2024-03-11T12:00:00.000Z',
    ]);
  });

  it.each(['rate(0 minutes)', 'rate(1 minutes)', 'rate(2 hour)', 'rate(5 seconds)', 'rate(1.5 hours)'])(
    'rejects %s',
    (expression) => {
      expect(() => parseScheduleExpression(expression)).toThrow(InvalidScheduleError);
    },
  );
});

describe('cron() expressions with time zones', () => {
  it('evaluates the fields in the schedule time zone', () => {
    const timing = parseScheduleExpression('cron(0 9 ? * MON-FRI *)', 'Europe/Paris');
    expect(runs(timing, '2030-01-04T12:00:00Z', 2)).toEqual([
      '2030-01-07T08:00:00.000Z', // Monday 09:00 CET
      '2030-01-08T08:00:00.000Z',
    ]);
    const summer = parseScheduleExpression('cron(0 9 ? * MON-FRI *)', 'Europe/Paris');
    expect(runs(summer, '2030-07-05T12:00:00Z', 1)).toEqual(['2030-07-08T07:00:00.000Z']); // 09:00 CEST
  });

  it('supports L, W, # and year ranges in a zone', () => {
    expect(
      runs(parseScheduleExpression('cron(0 18 L * ? *)', 'Asia/Tokyo'), '2030-02-01T00:00:00Z', 1),
    ).toEqual(['2030-02-28T09:00:00.000Z']);
    expect(runs(parseScheduleExpression('cron(0 12 ? * 6L 2030)', 'UTC'), '2030-03-01T00:00:00Z', 1)).toEqual(
      [
        '2030-03-29T12:00:00.000Z', // last Friday of March 2030
      ],
    );
    expect(runs(parseScheduleExpression('cron(0 12 ? * 2#1 *)', 'UTC'), '2030-03-01T00:00:00Z', 1)).toEqual([
      '2030-03-04T12:00:00.000Z', // first Monday
    ]);
    expect(runs(parseScheduleExpression('cron(0 12 15W * ? *)', 'UTC'), '2030-06-01T00:00:00Z', 1)).toEqual([
      '2030-06-14T12:00:00.000Z', // the 15th is a Saturday: the Friday before
    ]);
    expect(
      runs(parseScheduleExpression('cron(0 0 1 1 ? 2031-2032)', 'UTC'), '2030-06-01T00:00:00Z', 3),
    ).toEqual(['2031-01-01T00:00:00.000Z', '2032-01-01T00:00:00.000Z', undefined]);
  });

  it('respects StartDate and EndDate', () => {
    const timing = parseScheduleExpression('cron(0 * * * ? *)');
    expect(
      runs(timing, '2030-01-01T00:00:00Z', 5, {
        startDate: '2030-01-01T02:30:00Z',
        endDate: '2030-01-01T04:00:00Z',
      }),
    ).toEqual(['2030-01-01T03:00:00.000Z', undefined]);
  });

  it('skips a time that does not exist when clocks go forward (New York, 10 March 2024)', () => {
    const timing = parseScheduleExpression('cron(30 2 * * ? *)', 'America/New_York');
    expect(runs(timing, '2024-03-09T12:00:00Z', 2)).toEqual([
      '2024-03-11T06:30:00.000Z', // no 02:30 on the 10th; the 11th at 02:30 EDT
      '2024-03-12T06:30:00.000Z',
    ]);
  });

  it('runs a repeated time once when clocks go back (New York, 3 November 2024)', () => {
    const fixed = parseScheduleExpression('cron(30 1 * * ? *)', 'America/New_York');
    expect(runs(fixed, '2024-11-02T12:00:00Z', 2)).toEqual([
      '2024-11-03T05:30:00.000Z', // 01:30 EDT; not again at 01:30 EST
      '2024-11-04T06:30:00.000Z',
    ]);
    const every30 = parseScheduleExpression('cron(0/30 * * * ? *)', 'America/New_York');
    expect(runs(every30, '2024-11-03T04:50:00Z', 4)).toEqual([
      '2024-11-03T05:00:00.000Z', // 01:00 EDT
      '2024-11-03T05:30:00.000Z', // 01:30 EDT
      '2024-11-03T07:00:00.000Z', // 02:00 EST: 01:00 and 01:30 EST were already run
      '2024-11-03T07:30:00.000Z',
    ]);
  });

  it.each([
    'cron(0 10 * * ? )',
    'cron(0 10 ? * ? *)',
    'cron(0 10 * * * *)',
    'cron(0 24 * * ? *)',
    'cron(0 10 32 * ? *)',
    'cron(0 10 ? * 8 *)',
    'cron(0 10 ? * 0 *)',
    'cron(0 10 * * ? 1969)',
    'cron(0 10 * * ? 2200)',
    'cron(0 10 ? * 2#1,3#2 *)',
    'cron(0 10 ? * MON#6 *)',
    'cron(0 10 1W-5 * ? *)',
  ])('rejects %s', (expression) => {
    expect(() => parseScheduleExpression(expression)).toThrow(InvalidScheduleError);
  });
});
