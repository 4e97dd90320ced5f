/**
 * Each partner's fair share of the API: `ratePerSecond` requests a second on average, bursts of up
 * to `burst`, independently of every other partner. The Generic Cell Rate Algorithm over one number
 * per partner, the theoretical arrival time `tat` (epoch ms): a request is allowed when
 * `tat <= now + tolerance`, and moves `tat` to `max(tat, now) + interval`; a refusal leaves it.
 * One number, so every function container can share it through one conditional write
 * (shared/adapters/dynamodb/partner-rate-gate.ts): the share holds however many containers a
 * flood scales the API to. A write may take several requests at once (shared/domain/rate-lease.ts).
 *
 * Pure: no SDK, no clock (callers pass `nowMs`).
 */
export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

export type RateDecision =
  | { allowed: true }
  /** `untilMs`: the first moment another request can be allowed (epoch ms). */
  | { allowed: false; retryAfterSeconds: number; untilMs: number };

export type Refusal = Extract<RateDecision, { allowed: false }>;

const ALLOWED: RateDecision = { allowed: true };

/** The partner's share, taken one request at a time (the port the HTTP layer calls). */
export interface PartnerRateGate {
  take(partnerId: string, nowMs: number): Promise<RateDecision>;
}

/**
 * Whole milliseconds between requests at the average rate (rounded up: never above the rate), so
 * that the stored `tat` stays an integer and DynamoDB's decimal arithmetic equals JavaScript's.
 */
export function intervalMs(limit: RateLimit): number {
  return Math.ceil(1000 / limit.ratePerSecond);
}

/** How far ahead of now `tat` may be and a request still be allowed (the burst allowance). */
export function toleranceMs(limit: RateLimit): number {
  return (limit.burst - 1) * intervalMs(limit);
}

/** The refusal a stored `tat` means at `nowMs`, or undefined when a request may go. */
export function refusalAt(tat: number | undefined, nowMs: number, limit: RateLimit): Refusal | undefined {
  if (tat === undefined || tat <= nowMs + toleranceMs(limit)) return undefined;
  return refusalUntil(tat - toleranceMs(limit), nowMs);
}

/** The refusal that holds until `untilMs`: Retry-After in whole seconds, at least 1. */
function refusalUntil(untilMs: number, nowMs: number): Refusal {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((untilMs - nowMs) / 1000)), untilMs };
}

/** The decision for one request against a stored `tat`, and the `tat` to store when it is allowed. */
export function admit(
  tat: number | undefined,
  nowMs: number,
  limit: RateLimit,
): { decision: RateDecision; tat: number | undefined } {
  const refusal = refusalAt(tat, nowMs, limit);
  if (refusal) return { decision: refusal, tat };
  return { decision: ALLOWED, tat: Math.max(tat ?? nowMs, nowMs) + intervalMs(limit) };
}

/** The most partners a container remembers anything about (ids come from the authorizer; stay bounded). */
export const MAX_PARTNERS = 10_000;

/**
 * A container's memory of refusals: until a partner's `untilMs`, every request of that partner is
 * refused without asking the shared store. Sound because `tat` never decreases (only allowed
 * requests move it, and only forward), so a refusal stays true until its `untilMs`.
 * This is what keeps a flood cheap: one conditional write per container per refusal window.
 */
export class RefusalMemo {
  private readonly refusedUntil = new Map<string, number>();

  refusal(partnerId: string, nowMs: number): Refusal | undefined {
    const untilMs = this.refusedUntil.get(partnerId);
    if (untilMs === undefined) return undefined;
    if (untilMs <= nowMs) {
      this.refusedUntil.delete(partnerId);
      return undefined;
    }
    return refusalUntil(untilMs, nowMs);
  }

  remember(partnerId: string, refusal: Refusal): void {
    // Partners are few; ids come from the authorizer, but stay bounded whatever happens.
    if (this.refusedUntil.size >= MAX_PARTNERS) this.refusedUntil.clear();
    this.refusedUntil.set(partnerId, refusal.untilMs);
  }
}

/**
 * The same share kept in one process's memory: the reference model the shared gate is tested
 * against, and the gate of a single-process deployment (tests, tools).
 */
export class InMemoryPartnerRateGate implements PartnerRateGate {
  private readonly tats = new Map<string, number>();

  constructor(private readonly limit: RateLimit) {
    assertValid(limit);
  }

  async take(partnerId: string, nowMs: number): Promise<RateDecision> {
    const { decision, tat } = admit(this.tats.get(partnerId), nowMs, this.limit);
    if (tat !== undefined) {
      if (!this.tats.has(partnerId) && this.tats.size >= MAX_PARTNERS) this.tats.clear();
      this.tats.set(partnerId, tat);
    }
    return decision;
  }
}

export function assertValid(limit: RateLimit): void {
  if (!(limit.ratePerSecond > 0) || !(limit.burst >= 1) || !Number.isInteger(limit.burst)) {
    throw new RangeError('A rate limit needs a positive rate and a whole burst of at least 1');
  }
}

/** Reads `<rate>/<burst>` (e.g. `50/100`); throws on anything else. */
export function parseRateLimit(raw: string): RateLimit {
  const match = /^(\d+(?:\.\d+)?)\/(\d+)$/.exec(raw.trim());
  const ratePerSecond = Number(match?.[1]);
  const burst = Number(match?.[2]);
  if (!match || !(ratePerSecond > 0) || !(burst >= 1)) {
    throw new RangeError(`Expected <requests per second>/<burst>, e.g. 50/100; got "${raw}"`);
  }
  return { ratePerSecond, burst };
}
