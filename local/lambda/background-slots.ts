import { availableParallelism } from 'node:os';

/**
 * How many event-driven invocations may run at once across all local functions: on one machine
 * they share the CPU with the API's functions, DynamoDB Local and the emulators, whereas on AWS
 * they run on capacity of their own. Twice the cores keeps I/O-bound ones (webhook calls) busy
 * without letting a burst of events (one stream batch fans out to every subscriber) start dozens
 * of workers that starve the API.
 */
export function defaultBackgroundConcurrency(): number {
  return Math.max(4, 2 * availableParallelism());
}

/**
 * A counting semaphore shared by the local functions for their background invocations (EventBridge
 * targets, stream and queue mappings, async invokes). API Gateway's invocations never take a slot,
 * so a request is served while the pipeline behind it catches up. A waiting invocation has not
 * started: its timeout begins when it runs, as for an async event queued inside Lambda.
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
