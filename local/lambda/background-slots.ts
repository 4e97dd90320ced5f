import { availableParallelism } from 'node:os';

/**
 * How many event-driven invocations of one local function run at once while each finishes quickly:
 * its fair share of the machine, the cores (at least 2). Every function has its own share, as every
 * function has its own concurrency on AWS, so one function's backlog never delays another's events.
 * The share applies to functions with reserved concurrency too: ten CPU-bound invocations of one
 * function on two cores finish no sooner than two at a time, and each extra environment is a V8
 * isolate of its own that imports the bundle again and runs its code unoptimised (the fan-out and
 * the translator ran ten environments each in the local-cloud bench, at ~7 ms of CPU per invocation
 * against ~5 ms in two). A burst (one stream batch fans out to every subscriber) cannot start dozens
 * of workers that starve the API. Invocations that wait instead of compute get more room: see
 * {@link BackgroundSlots}.
 */
export function defaultBackgroundConcurrency(): number {
  return Math.max(2, availableParallelism());
}

/** How long an invocation holds a background slot before it lends it to the next waiter. */
export const LEND_AFTER_MS = 1000;

export interface BackgroundSlotsOptions {
  /** Slots at most, lent ones included (default `size`: nothing is lent). */
  max?: number;
  /** A holder that has run this long lends its slot (default {@link LEND_AFTER_MS}). */
  lendAfterMs?: number;
}

/**
 * A counting semaphore for one function's background invocations (EventBridge targets, stream and
 * queue mappings, async invokes). API Gateway's invocations never take a slot, so a request is
 * served while the pipeline behind it catches up. A waiting invocation has not started: its timeout
 * begins when it runs, as for an async event queued inside Lambda. Waiters are served in order.
 *
 * `size` slots are for work that keeps a core busy. An invocation still running after `lendAfterMs`
 * is most likely waiting (a slow webhook receiver, a releaser waiting for its instant, a batching
 * window), so its slot is lent to the next waiter, up to `max` at once (the function's reserved
 * concurrency): a few slow calls never hold up the function's other events, as on AWS.
 */
export class BackgroundSlots {
  /** When each holder took its slot (performance.now()). */
  private readonly holders = new Map<number, number>();
  private nextHolder = 1;
  private readonly waiters: Array<() => void> = [];
  private lendTimer: NodeJS.Timeout | undefined;
  readonly max: number;
  private readonly lendAfterMs: number;

  constructor(
    readonly size: number,
    options: BackgroundSlotsOptions = {},
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`background slots must be >= 1, got ${size}`);
    this.max = options.max ?? size;
    if (!Number.isInteger(this.max) || this.max < size)
      throw new RangeError(`the most background slots must be an integer >= ${size}, got ${this.max}`);
    this.lendAfterMs = options.lendAfterMs ?? LEND_AFTER_MS;
  }

  get inUse(): number {
    return this.holders.size;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** The slots usable now: `size`, plus one per holder that has run `lendAfterMs`, up to `max`. */
  get capacity(): number {
    if (this.max === this.size) return this.size;
    const now = performance.now();
    let lent = 0;
    for (const since of this.holders.values()) if (now - since >= this.lendAfterMs) lent++;
    return Math.min(this.max, this.size + lent);
  }

  /** Resolves once a slot is held; call the returned function exactly once to give it back. */
  async acquire(): Promise<() => void> {
    const immediate = this.tryAcquire();
    if (immediate) return immediate;
    return new Promise((resolve) => {
      this.waiters.push(() => resolve(this.take()));
      this.watchForLending();
    });
  }

  /** A slot at once, or undefined when all are taken (or others are already waiting for one). */
  tryAcquire(): (() => void) | undefined {
    if (this.waiters.length > 0 || this.holders.size >= this.capacity) return undefined;
    return this.take();
  }

  private take(): () => void {
    const holder = this.nextHolder++;
    this.holders.set(holder, performance.now());
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holders.delete(holder);
      this.admit();
    };
  }

  /** Hands free slots to the longest waiters, in order. */
  private admit(): void {
    while (this.waiters.length > 0 && this.holders.size < this.capacity) this.waiters.shift()!();
    this.watchForLending();
  }

  /** While invocations wait, looks again when the next holder reaches `lendAfterMs`. */
  private watchForLending(): void {
    if (this.lendTimer || this.waiters.length === 0 || this.holders.size >= this.max) return;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const since of this.holders.values()) {
      const lendsAt = since + this.lendAfterMs;
      if (lendsAt > now) next = Math.min(next, lendsAt);
    }
    if (next === Number.POSITIVE_INFINITY) return;
    this.lendTimer = setTimeout(
      () => {
        this.lendTimer = undefined;
        this.admit();
      },
      Math.ceil(next - now),
    );
  }
}
