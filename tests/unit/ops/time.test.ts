import { describe, expect, it } from 'vitest';
import { formatAge, parseDuration, parseTime, parseWindow, TimeParseError } from '#shared/domain/ops/time.ts';

const NOW = new Date('2026-12-05T06:00:00.000Z');

describe('parseTime', () => {
  it.each([
    ['2026-12-04T10:15:00Z', '2026-12-04T10:15:00.000Z'],
    ['2026-12-04T10:15Z', '2026-12-04T10:15:00.000Z'],
    ['2026-12-04T10:15:30.250Z', '2026-12-04T10:15:30.250Z'],
    ['2026-12-04T12:15:00+02:00', '2026-12-04T10:15:00.000Z'],
    ['2026-12-04', '2026-12-04T00:00:00.000Z'],
    ['now', '2026-12-05T06:00:00.000Z'],
    ['90s', '2026-12-05T05:58:30.000Z'],
    ['15m', '2026-12-05T05:45:00.000Z'],
    ['2h', '2026-12-05T04:00:00.000Z'],
    ['2h30m', '2026-12-05T03:30:00.000Z'],
    ['3d', '2026-12-02T06:00:00.000Z'],
    ['1w', '2026-11-28T06:00:00.000Z'],
  ])('%s is %s', (input, expected) => {
    expect(parseTime(input, NOW).toISOString()).toBe(expected);
  });

  it.each([
    'yesterday',
    '2026-12-04T10:15:00', // no zone: it would mean another instant on another machine
    '2026-02-30',
    '2026-02-30T10:00+02:00',
    '2026-12-04T25:00:00Z',
    '2026-13-01',
    '12/04/2026',
    '-2h',
    '0m',
    '',
    '2h 30m',
  ])('refuses %j with a TimeParseError naming it', (input) => {
    expect(() => parseTime(input, NOW)).toThrow(TimeParseError);
    expect(() => parseTime(input, NOW)).toThrow(`"${input}" is not a time`);
  });
});

describe('parseWindow', () => {
  it('defaults --to to now', () => {
    const window = parseWindow('1h', undefined, NOW);
    expect(window).toEqual({ from: new Date('2026-12-05T05:00:00Z'), to: NOW });
  });

  it('refuses an empty or reversed window, and one ending in the future', () => {
    expect(() => parseWindow('1h', '2h', NOW)).toThrow(/--from must be before --to/);
    expect(() => parseWindow('now', 'now', NOW)).toThrow(/--from must be before --to/);
    expect(() => parseWindow('1h', '2026-12-06T00:00:00Z', NOW)).toThrow(/cannot end in the future/);
  });
});

describe('parseDuration and formatAge', () => {
  it('reads durations in milliseconds', () => {
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1d12h')).toBe(129_600_000);
    expect(() => parseDuration('soon')).toThrow(TimeParseError);
  });

  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [1000, '1s'],
    [65_000, '1m 5s'],
    [3_600_000, '1h'],
    [3_660_000, '1h 1m'],
    [90_061_000, '1d 1h'],
    [-1, '-'],
    [Number.NaN, '-'],
  ])('%d ms reads %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});
