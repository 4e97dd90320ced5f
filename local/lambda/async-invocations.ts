/**
 * Lambda's asynchronous (`Event`) invocations of one function: accepted at once, kept in the journal
 * until they finish, retried after a function error (EventInvokeConfig's attempts and maximum age),
 * then handed to the on-failure callback; resumed after a restart.
 */
import { randomUUID } from 'node:crypto';
import type { QueuedInvocation } from './async-journal';
import type { AsyncFailureInfo, InvokeFailure, InvokeResult, LocalLambdaOptions } from './types';

const DEFAULT_ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];

export interface AsyncInvocationsOptions {
  functionName: string;
  options: LocalLambdaOptions;
  /** Runs one attempt once one of the function's background slots is free. */
  runInBackground: (event: unknown, requestId: string) => Promise<InvokeResult>;
  isClosed: () => boolean;
}

export class AsyncInvocations {
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** `Event` invocations the last run left unfinished, until `resume` starts them. */
  private resumable: QueuedInvocation[];

  constructor(private readonly context: AsyncInvocationsOptions) {
    this.resumable = context.options.asyncJournal?.open() ?? [];
  }

  /**
   * Starts the `Event` invocations a stop or a crash left in the journal (at least once, as Lambda's
   * durable queue does); an event that outlived its maximum age meanwhile is given up on.
   */
  resume(): number {
    const resumed = this.resumable.splice(0);
    for (const queued of resumed) {
      this.context.options.log(
        `${this.context.functionName} ${queued.requestId} async invocation resumed after a restart (${queued.failedAttempts} failed attempt(s) before)`,
      );
      void this.attempt(queued, queued.failedAttempts);
    }
    return resumed.length;
  }

  /** Accepts an `Event` invocation: journalled, first attempt started, answered at once. */
  invoke(event: unknown): InvokeResult {
    const queued: QueuedInvocation = {
      requestId: randomUUID(),
      queuedAt: Date.now(),
      event,
      failedAttempts: 0,
    };
    this.context.options.asyncJournal?.add(queued);
    void this.attempt(queued, 0);
    return { ok: true, value: null, requestId: queued.requestId, durationMs: 0, coldStart: false };
  }

  /** Cancels pending retries; what they would have run stays in the journal for the next start. */
  stop(): void {
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
  }

  /** One attempt of an `Event` invocation (`retry` attempts failed before), then its retry or its end. */
  private async attempt(queued: QueuedInvocation, retry: number, last?: InvokeFailure): Promise<void> {
    const { functionName, options } = this.context;
    const { requestId, event } = queued;
    const delays = options.asyncRetryDelaysMs ?? DEFAULT_ASYNC_RETRY_DELAYS_MS;
    const maxRetries = options.asyncConfig?.maximumRetryAttempts ?? 2;
    const maxAgeMs = (options.asyncConfig?.maximumEventAgeSeconds ?? 6 * 3600) * 1000;
    const journal = options.asyncJournal;
    const giveUp = async (
      condition: AsyncFailureInfo['condition'],
      attempts: number,
      failure?: InvokeFailure,
    ) => {
      options.log(
        `${functionName} ${requestId} async invocation given up (${condition}) after ${attempts} attempt(s)`,
      );
      // Out of the journal only once the destination has it.
      await options.onAsyncFailure?.(event, failure, {
        requestId,
        condition,
        approximateInvokeCount: attempts,
      });
      journal?.done(requestId);
    };
    // An event that waited in the queue (for capacity, or for its retry) past its age is dropped.
    if (Date.now() - queued.queuedAt > maxAgeMs) return giveUp('EventAgeExceeded', retry, last);
    const result = await this.context.runInBackground(event, requestId);
    // Cut off by a stop: it stays in the journal and runs again after the restart.
    if (this.context.isClosed()) return;
    if (result.ok) {
      journal?.done(requestId);
      return;
    }
    journal?.failed(requestId, retry + 1);
    const delay = delays[Math.min(retry, delays.length - 1)];
    if (retry >= maxRetries || delay === undefined) return giveUp('RetriesExhausted', retry + 1, result);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.attempt(queued, retry + 1, result);
    }, delay);
    timer.unref();
    this.retryTimers.add(timer);
  }
}
