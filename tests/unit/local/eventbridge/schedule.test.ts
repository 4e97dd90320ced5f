import { describe, expect, it } from 'vitest';
import { InvalidScheduleError, nextFireTime, parseSchedule } from '#local/eventbridge/schedule.ts';

const next = (expression: string, after: string) =>
  nextFireTime(parseSchedule(expression), new Date(after), new Date(after))?.toISOString();

describe('cron expressions (UTC, six fields)', () => {
  it.each([
    ['cron(0 10 * * ? *)', '2024-02-27T10:15:30Z', '2024-02-28T10:00:00.000Z'],
    ['cron(0/15 * * * ? *)', '2024-02-27T10:15:00Z', '2024-02-27T10:30:00.000Z'],
    ['cron(0 18 ? * MON-FRI *)', '2024-03-01T19:00:00Z', '2024-03-04T18:00:00.000Z'],
    ['cron(0 0 L * ? *)', '2024-02-01T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['cron(0 9 ? * 6L *)', '2024-02-27T00:00:00Z', '2024-03-29T09:00:00.000Z'],
    ['cron(0 9 ? * 2#1 *)', '2024-02-27T00:00:00Z', '2024-03-04T09:00:00.000Z'],
    ['cron(0 9 16W * ? *)', '2024-03-01T00:00:00Z', '2024-03-15T09:00:00.000Z'],
    ['cron(30 8 1 JAN,JUL ? *)', '2024-02-01T00:00:00Z', '2024-07-01T08:30:00.000Z'],
    ['cron(0 0 29 2 ? 2025-2030)', '2024-03-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
  ])('%s after %s fires at %s', (expression, after, expected) => {
    expect(next(expression, after)).toBe(expected);
  });

  it('returns undefined when the year range is exhausted', () => {
    expect(next('cron(0 0 1 1 ? 2020)', '2024-01-01T00:00:00Z')).toBeUndefined();
  });

  it.each([
    'cron(0 10 * * * *)',
    'cron(0 10 ? * ? *)',
    'cron(60 * * * ? *)',
    'cron(0 10 * *)',
    'rate(1 minutes)',
    'rate(5 minute)',
    'every day',
  ])('rejects %s', (expression) => {
    expect(() => parseSchedule(expression)).toThrow(InvalidScheduleError);
  });
});

describe('rate expressions', () => {
  it('fires every period counted from when the schedule started', () => {
    const since = new Date('2024-01-01T00:00:00Z');
    const schedule = parseSchedule('rate(5 minutes)');
    expect(nextFireTime(schedule, since, since)?.toISOString()).toBe('2024-01-01T00:05:00.000Z');
    expect(nextFireTime(schedule, new Date('2024-01-01T00:07:00Z'), since)?.toISOString()).toBe(
      '2024-01-01T00:10:00.000Z',
    );
    expect(nextFireTime(parseSchedule('rate(1 day)'), since, since)?.toISOString()).toBe(
      '2024-01-02T00:00:00.000Z',
    );
  });
});
