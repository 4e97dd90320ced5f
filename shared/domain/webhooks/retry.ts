/**
 * The retry schedule of deliveries (Standard Webhooks' example schedule): the delay before each
 * attempt, the first being immediate. Ten attempts over about 75 hours.
 */
export const DEFAULT_RETRY_SCHEDULE_SECONDS: readonly number[] = [
  0,
  5,
  5 * 60,
  30 * 60,
  2 * 3600,
  5 * 3600,
  10 * 3600,
  14 * 3600,
  20 * 3600,
  24 * 3600,
];

/** SQS's largest DelaySeconds; longer waits hop through the queue carrying `notBefore`. */
export const MAX_SQS_DELAY_SECONDS = 900;

/** A Retry-After longer than this is cut to it (a receiver cannot park a delivery for a week). */
export const MAX_RETRY_AFTER_SECONDS = 24 * 3600;

/** Parses `WEBHOOK_RETRY_SCHEDULE` ("0,5,300"): non-negative integer seconds, at least one. */
export function parseRetrySchedule(value: string | undefined): number[] {
  if (value === undefined || value.trim() === '') return [...DEFAULT_RETRY_SCHEDULE_SECONDS];
  const parts = value.split(',').map((part) => part.trim());
  const delays = parts.map(Number);
  if (parts.some((part) => !/^\d+$/.test(part)) || delays.length === 0) {
    throw new RangeError(`WEBHOOK_RETRY_SCHEDULE must be comma-separated whole seconds, got "${value}"`);
  }
  return delays;
}

/**
 * Parses a `Retry-After` value (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns whole
 * seconds from `now`, capped at `cap`; undefined when absent or unreadable. A date in the past is 0.
 */
export function parseRetryAfter(
  value: string | undefined,
  now: Date,
  cap: number = MAX_RETRY_AFTER_SECONDS,
): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text), cap);
  const at = parseHttpDate(text);
  if (at === undefined) return undefined;
  return Math.min(Math.max(0, Math.ceil((at - now.getTime()) / 1000)), cap);
}

/**
 * Seconds to wait before `nextAttempt` (1-based), or undefined when the schedule is exhausted.
 * The receiver's Retry-After can lengthen the wait, never shorten it. Waits of a minute or more get
 * ±10 % jitter so failures caused by our own load do not recur in lockstep.
 */
export function delayBeforeAttempt(
  schedule: readonly number[],
  nextAttempt: number,
  retryAfterSeconds?: number,
  random: () => number = Math.random,
): number | undefined {
  const scheduled = schedule[nextAttempt - 1];
  if (scheduled === undefined) return undefined;
  const jittered = scheduled >= 60 ? Math.round(scheduled * (0.9 + 0.2 * random())) : scheduled;
  return Math.max(jittered, retryAfterSeconds ?? 0);
}

/** How to wait `seconds` through SQS: a delay of at most 900 s, and `notBefore` when that is not enough. */
export function queueDelay(seconds: number, now: number): { delaySeconds: number; notBefore?: number } {
  const whole = Math.max(0, Math.ceil(seconds));
  if (whole <= MAX_SQS_DELAY_SECONDS) return { delaySeconds: whole };
  return { delaySeconds: MAX_SQS_DELAY_SECONDS, notBefore: now + whole * 1000 };
}

/**
 * The three HTTP-date forms recipients must accept (RFC 9110 §5.6.7): IMF-fixdate
 * (`Sun, 06 Nov 1994 08:49:37 GMT`), the obsolete RFC 850 form (`Sunday, 06-Nov-94 08:49:37 GMT`)
 * and asctime (`Sun Nov  6 08:49:37 1994`, which is GMT). Anything else Date.parse would guess at is refused.
 */
function parseHttpDate(text: string): number | undefined {
  let at: number;
  if (/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) at = Date.parse(text);
  else if (/^[A-Za-z]+, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/.test(text)) at = Date.parse(text);
  else if (/^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/.test(text))
    at = Date.parse(`${text} GMT`);
  else return undefined;
  return Number.isNaN(at) ? undefined : at;
}
