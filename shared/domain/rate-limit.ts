/**
 * Per-partner token buckets: each partner may make `ratePerSecond` requests per second with bursts
 * of up to `burst`, independently of every other partner, so one partner's flood is refused before
 * it costs more than an answer. Pure (the clock is passed in); bounded in memory.
 */
export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const MAX_PARTNERS = 10_000;

export class PartnerRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(limit.ratePerSecond > 0) || !(limit.burst >= 1)) {
      throw new RangeError('A rate limit needs a positive rate and a burst of at least 1');
    }
  }

  take(partnerId: string): RateDecision {
    const now = this.now();
    const bucket = this.buckets.get(partnerId) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(
      this.limit.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.limit.ratePerSecond,
    );
    bucket.at = now;
    if (!this.buckets.has(partnerId)) {
      // Partners are few; a flood of distinct ids (impossible behind the authorizer) cannot grow it unbounded.
      if (this.buckets.size >= MAX_PARTNERS) this.buckets.clear();
      this.buckets.set(partnerId, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.ratePerSecond));
    return { allowed: false, retryAfterSeconds };
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
