import { describe, expect, it } from 'vitest';
import { judgeAttempt } from '#shared/domain/webhooks/outcome.ts';
import {
  DEFAULT_RETRY_SCHEDULE_SECONDS,
  delayBeforeAttempt,
  parseRetryAfter,
  parseRetrySchedule,
  queueDelay,
} from '#shared/domain/webhooks/retry.ts';

const now = new Date('2026-03-01T12:00:00Z');

describe('retry schedule', () => {
  it('defaults to the Standard Webhooks schedule and reads WEBHOOK_RETRY_SCHEDULE', () => {
    expect(parseRetrySchedule(undefined)).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
    expect(parseRetrySchedule(' 0, 1 ,2')).toEqual([0, 1, 2]);
    expect(() => parseRetrySchedule('0,-1')).toThrow(RangeError);
    expect(() => parseRetrySchedule('0,1.5')).toThrow(RangeError);
  });

  it('gives the delay before each attempt, with ±10 % jitter from a minute up, and ends after the last', () => {
    const schedule = DEFAULT_RETRY_SCHEDULE_SECONDS;
    expect(delayBeforeAttempt(schedule, 2, undefined, () => 0)).toBe(5);
    expect(delayBeforeAttempt(schedule, 3, undefined, () => 0)).toBe(270);
    expect(delayBeforeAttempt(schedule, 3, undefined, () => 1)).toBe(330);
    expect(delayBeforeAttempt(schedule, 10, undefined, () => 0.5)).toBe(86400);
    expect(delayBeforeAttempt(schedule, 11)).toBeUndefined();
  });

  it('lets Retry-After lengthen a wait but never shorten it', () => {
    expect(delayBeforeAttempt([0, 5], 2, 120)).toBe(120);
    expect(delayBeforeAttempt([0, 5], 2, 1)).toBe(5);
  });

  it('waits through SQS in hops of at most 900 s', () => {
    expect(queueDelay(4.2, 0)).toEqual({ delaySeconds: 5 });
    expect(queueDelay(900, 0)).toEqual({ delaySeconds: 900 });
    expect(queueDelay(7200, 1_000)).toEqual({ delaySeconds: 900, notBefore: 1_000 + 7_200_000 });
  });
});

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP dates, capped at a day', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('999999', now)).toBe(86400);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:02:00 GMT', now)).toBe(120);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('reads the obsolete HTTP-date forms recipients must accept (RFC 850 and asctime, both GMT)', () => {
    expect(parseRetryAfter('Sunday, 01-Mar-26 12:02:00 GMT', now)).toBe(120);
    expect(parseRetryAfter('Sun Mar  1 12:02:00 2026', now)).toBe(120);
    // Local-time or free-form dates are not HTTP dates: no guessing.
    expect(parseRetryAfter('2026-03-01T12:02:00', now)).toBeUndefined();
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:02:00 +0100', now)).toBeUndefined();
  });

  it('is honoured on 429 and 503 only; 2xx succeeds, 410 is gone, 3xx and errors retry', () => {
    const response = (status: number, retryAfter?: string) => ({
      kind: 'response' as const,
      status,
      durationMs: 1,
      body: '',
      ...(retryAfter && { retryAfter }),
    });
    expect(judgeAttempt(response(204), now)).toEqual({ verdict: 'succeeded' });
    expect(judgeAttempt(response(410), now)).toEqual({ verdict: 'gone' });
    expect(judgeAttempt(response(301), now)).toEqual({ verdict: 'retry' });
    expect(judgeAttempt(response(429, '30'), now)).toEqual({ verdict: 'retry', retryAfterSeconds: 30 });
    expect(judgeAttempt(response(503, '30'), now)).toEqual({ verdict: 'retry', retryAfterSeconds: 30 });
    expect(judgeAttempt(response(500, '30'), now)).toEqual({ verdict: 'retry' });
    expect(judgeAttempt({ kind: 'error', durationMs: 1, error: 'timeout' }, now)).toEqual({
      verdict: 'retry',
    });
  });
});
