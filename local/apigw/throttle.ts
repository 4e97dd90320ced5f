/**
 * Token bucket as API Gateway applies stage/route throttling: the bucket holds up to `burst` tokens and
 * refills at `ratePerSecond`; a request without a token is answered 429.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  tryTake(): boolean {
    const current = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((current - this.last) / 1000) * this.ratePerSecond);
    this.last = current;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
