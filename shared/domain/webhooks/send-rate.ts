/**
 * The pace of deliveries to one subscription's endpoint: at most `perSecond` sends a second on
 * average, bursts of up to `burst`, and none while the receiver asked us to wait (429 or 503 with
 * Retry-After). The Generic Cell Rate Algorithm over one number per subscription, the theoretical
 * arrival time `tat` (epoch ms): a send takes the slot `max(now, tat - tolerance)` and moves `tat`
 * to `max(tat, now) + interval`. Every send reserves its own slot, even a future one, so a backlog
 * of n deliveries waits its turn with one requeue each (not n polls of a full bucket).
 *
 * Pure: no SDK, no clock (callers pass `nowMs`).
 */

export interface SendRate {
  /** Sends a second, on average. */
  perSecond: number;
  /** Sends that may go at once after a quiet spell. */
  burst: number;
}

/** Sends a second a subscription may ask for (`maxDeliveriesPerSecond`). */
export const MAX_DELIVERIES_PER_SECOND = 100;
/**
 * The default: 50 a second, bursts of 100. Above a news feed's pace even at its busiest (a busy
 * partner publishes a few items a minute; an `events:all` subscriber sees every partner's, and a
 * breaking story brings bursts of corrections), so it never delays normal traffic; and a bound on
 * what reaches one receiver: a backlog after an outage drains at 50 a second instead of as fast as
 * 200 concurrent sends allow. Small receivers set their own (down to 1).
 */
export const DEFAULT_DELIVERIES_PER_SECOND = 50;

/** A subscription's rate: `perSecond` (default 50) with bursts of twice that. */
export function sendRateOf(subscription: { maxDeliveriesPerSecond?: number }): SendRate {
  const perSecond = subscription.maxDeliveriesPerSecond ?? DEFAULT_DELIVERIES_PER_SECOND;
  return { perSecond, burst: 2 * perSecond };
}

/** Milliseconds between sends at the average rate. */
export function intervalMs(rate: SendRate): number {
  return 1000 / rate.perSecond;
}

/** How far ahead of now `tat` may be and a send still go at once (the burst allowance). */
export function toleranceMs(rate: SendRate): number {
  return (rate.burst - 1) * intervalMs(rate);
}

/** The slot of the next send when the stored `tat` is `tat` (undefined: never sent), and the new `tat`. */
export function nextSlot(
  tat: number | undefined,
  nowMs: number,
  rate: SendRate,
): { slotAt: number; tat: number } {
  const from = Math.max(tat ?? nowMs, nowMs);
  return { slotAt: Math.max(nowMs, from - toleranceMs(rate)), tat: from + intervalMs(rate) };
}

/** The `tat` that holds every send until `untilMs` (a receiver's Retry-After), then resumes at the rate. */
export function pausedTat(untilMs: number, rate: SendRate): number {
  return untilMs + toleranceMs(rate);
}

/** Seconds to hold a subscription after a 429 that gave no Retry-After. */
export const DEFAULT_PAUSE_SECONDS = 5;
