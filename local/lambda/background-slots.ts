import { availableParallelism } from 'node:os';

/**
 * How many event-driven invocations one local function may run at once when the template reserves
 * no concurrency for it: its fair share of the machine, the cores (at least 2). Every function has
 * its own share, as every function has its own concurrency on AWS, so one function's backlog never
 * delays another's events; and a burst (one stream batch fans out to every subscriber) cannot start
 * dozens of workers of one function that starve the API.
 */
export function defaultBackgroundConcurrency(): number {
  return Math.max(2, availableParallelism());
}

/**
 * A counting semaphore for one function's background invocations (EventBridge targets, stream and
 * queue mappings, async invokes). API Gateway's invocations never take a slot, so a request is
 * served while the pipeline behind it catches up. A waiting invocation has not started: its timeout
 * begins when it runs, as for an async event queued inside Lambda. Waiters are served in order.
 */
export class BackgroundSlots {
  private running = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`background slots must be >= 1, got ${size}`);
  }

  get inUse(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Resolves once a slot is held; call the returned function exactly once to give it back. */
  async acquire(): Promise<() => void> {
    if (this.running < this.size) this.running++;
    else await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.releaser();
  }

  /** A slot at once, or undefined when all are taken (or others are already waiting for one). */
  tryAcquire(): (() => void) | undefined {
    if (this.running >= this.size || this.waiters.length > 0) return undefined;
    this.running++;
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The slot passes straight to the longest waiter, so `running` stays the same.
      if (next) next();
      else this.running--;
    };
  }
}
