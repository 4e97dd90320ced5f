import { randomUUID } from 'node:crypto';
import { AsyncInvocations } from './async-invocations';
import { BackgroundSlots, defaultBackgroundConcurrency } from './background-slots';
import { type Environment, invokeIn, spawnEnvironment } from './execution-environment';
import type {
  InvocationEntry,
  InvokeFailure,
  InvokeMeta,
  InvokeOptions,
  InvokeResult,
  LambdaStats,
  LocalFunctionDefinition,
  LocalLambdaOptions,
} from './types';

/**
 * Runs one function's bundled code locally the way Lambda does: a pool of execution environments (worker threads)
 * that grows up to the concurrency limit and reuses idle ones (warm starts). `invoke` waits for a free environment;
 * `tryInvoke` answers "throttled" instead, for callers that map no-capacity to HTTP 429.
 */
export class LocalLambda {
  private readonly environments: Environment[] = [];
  private readonly idle: Environment[] = [];
  private readonly waiters: Array<(env: Environment | undefined) => void> = [];
  private readonly listeners: Array<(entry: InvocationEntry) => void> = [];
  private readonly async: AsyncInvocations;
  private readonly limit: number;
  private readonly background: BackgroundSlots;
  private nextEnvironmentId = 1;
  /** Environments spawned whose Init phase has not ended. */
  private initializing = 0;
  private readonly maxInitializing: number;
  private closed = false;

  constructor(
    readonly definition: LocalFunctionDefinition,
    private readonly options: LocalLambdaOptions,
  ) {
    this.limit = definition.reservedConcurrency ?? options.maxConcurrency ?? 10;
    // Reserved concurrency is the function's capacity for every invocation, as on AWS; otherwise
    // the limit less one environment kept for the API. Of that, event-driven work runs a fair share
    // of the machine at once, and more only while some of it waits (background-slots.ts).
    const share = options.backgroundConcurrency ?? defaultBackgroundConcurrency();
    const capacity = Math.max(1, definition.reservedConcurrency ?? this.limit - 1);
    this.background = new BackgroundSlots(Math.min(share, capacity), { max: capacity });
    this.maxInitializing = Math.max(1, options.maxInitializing ?? defaultBackgroundConcurrency());
    this.async = new AsyncInvocations({
      functionName: definition.name,
      options,
      runInBackground: (event, requestId) => this.runInBackground(event, requestId),
      isClosed: () => this.closed,
    });
  }

  /** Calls `listener` after every run of the function (API, event source, each async attempt). */
  onInvocation(listener: (entry: InvocationEntry) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Starts the `Event` invocations a stop or a crash left in the journal (at least once, as Lambda's
   * durable queue does); an event that outlived its maximum age meanwhile is given up on.
   */
  resumeAsync(): number {
    return this.async.resume();
  }

  get stats(): LambdaStats {
    return {
      limit: this.limit,
      environments: this.environments.length,
      busy: this.environments.length - this.idle.length,
      idle: this.idle.length,
      queued: this.waiters.length,
      initializing: this.initializing,
      background: {
        size: this.background.size,
        inUse: this.background.inUse,
        queued: this.background.queued,
      },
    };
  }

  /**
   * Holds one of the function's background slots until the returned function is called: a queue
   * poller takes one before it receives, so it never holds a message it cannot run at once.
   */
  reserveBackground(): Promise<() => void> {
    return this.background.acquire();
  }

  /** Invokes the function, waiting for a free execution environment when all are busy. */
  invoke(event: unknown, options: InvokeOptions = {}): Promise<InvokeResult> {
    if (options.invocationType === 'Event') return Promise.resolve(this.async.invoke(event));
    if (options.reserved) return this.run(event, false);
    return options.background ? this.runInBackground(event) : this.run(event, false);
  }

  /** Like `invoke` (RequestResponse), but fails with `throttled: true` at once when no environment is free. */
  tryInvoke(event: unknown): Promise<InvokeResult> {
    return this.run(event, true);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.async.stop();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    await Promise.all(this.environments.map((env) => this.destroy(env)));
  }

  /** `run`, once one of the function's background slots is free. */
  private async runInBackground(event: unknown, requestId?: string): Promise<InvokeResult> {
    const requestedAt = Date.now();
    const release = await this.background.acquire();
    try {
      return await this.run(event, false, requestId, requestedAt, true);
    } finally {
      release();
    }
  }

  private async run(
    event: unknown,
    failWhenBusy: boolean,
    requestId: string = randomUUID(),
    requestedAt = Date.now(),
    background = false,
  ): Promise<InvokeResult> {
    const result = await this.runOnce(event, failWhenBusy, requestId, background);
    for (const listener of this.listeners) listener({ event, result, requestedAt });
    return result;
  }

  private async runOnce(
    event: unknown,
    failWhenBusy: boolean,
    requestId: string,
    background: boolean,
  ): Promise<InvokeResult> {
    const name = this.definition.name;
    const env = this.acquireNow(!background) ?? (failWhenBusy ? undefined : await this.waitForEnvironment());
    if (!env) {
      const result: InvokeFailure = {
        ok: false,
        requestId,
        errorType: this.closed ? 'Runtime.Shutdown' : 'TooManyRequestsException',
        errorMessage: this.closed ? 'The local cloud is shutting down' : 'Rate Exceeded.',
        durationMs: 0,
        coldStart: false,
        throttled: !this.closed,
      };
      this.options.log(`${name} ${requestId} 0ms - ${result.errorType}`);
      return result;
    }

    const coldStart = !env.warm;
    const init = await env.ready;
    if (init.kind === 'error') {
      // A failed Init leaves no usable sandbox: the next invocation starts a fresh one.
      await this.destroy(env);
      this.handOver();
      const result: InvokeFailure = {
        ok: false,
        requestId,
        errorType: init.errorType,
        errorMessage: init.errorMessage,
        durationMs: 0,
        coldStart,
        ...(init.timedOut ? { timedOut: true } : {}),
      };
      this.options.log(
        `${name} ${requestId} 0ms cold init failed ${result.errorType}: ${result.errorMessage}`,
      );
      return result;
    }
    env.warm = true;

    const started = performance.now();
    const outcome = await invokeIn(env, event, requestId, this.definition.timeoutSeconds);
    const durationMs = Math.round((performance.now() - started) * 100) / 100;

    if (outcome.kind === 'error' && outcome.fatal) {
      // A timed-out or crashed sandbox is discarded; the next invocation is a cold start.
      await this.destroy(env);
    } else {
      this.idle.push(env);
    }
    this.handOver();

    const meta: InvokeMeta = { requestId, durationMs, coldStart };
    if (coldStart && init.initDurationMs !== undefined) meta.initDurationMs = init.initDurationMs;
    const result: InvokeResult =
      outcome.kind === 'value'
        ? { ...meta, ok: true, value: outcome.value }
        : {
            ...meta,
            ok: false,
            errorType: outcome.errorType,
            errorMessage: outcome.errorMessage,
            ...(outcome.timedOut ? { timedOut: true } : {}),
          };
    const start = coldStart ? `cold (Init Duration: ${meta.initDurationMs ?? '?'}ms)` : 'warm';
    const verdict = result.ok ? 'ok' : `${result.errorType}: ${result.errorMessage}`;
    this.options.log(`${name} ${requestId} ${durationMs}ms ${start} ${verdict}`);
    return result;
  }

  /**
   * An idle environment, or a new one when below the limit (for a waiting event-driven invocation,
   * only while fewer than `maxInitializing` are initialising).
   */
  private acquireNow(spawnFreely = false): Environment | undefined {
    if (this.closed) return undefined;
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.environments.length >= this.limit) return undefined;
    if (!spawnFreely && this.initializing >= this.maxInitializing) return undefined;
    return this.spawn();
  }

  private waitForEnvironment(): Promise<Environment | undefined> {
    if (this.closed || this.limit <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Gives a freed (or newly allowed) environment to the longest-waiting invocation. */
  private handOver(): void {
    while (this.waiters.length > 0) {
      const env = this.acquireNow();
      if (!env) return;
      this.waiters.shift()!(env);
    }
  }

  private spawn(): Environment {
    const env = spawnEnvironment({
      id: this.nextEnvironmentId++,
      definition: this.definition,
      extraEnv: this.options.extraEnv,
      initTimeoutMs: this.options.initTimeoutMs,
      log: this.options.log,
      isClosed: () => this.closed,
      onInitEnded: () => {
        this.initializing--;
        // Room for another Init: a waiting invocation may start a new environment.
        this.handOver();
      },
      onExit: (exited) => this.forget(exited),
      // A slot became free: a queued invocation may start a new environment.
      onSlotFreed: () => this.handOver(),
    });
    this.initializing++;
    this.environments.push(env);
    return env;
  }

  private forget(env: Environment): void {
    const index = this.environments.indexOf(env);
    if (index >= 0) this.environments.splice(index, 1);
    const idleIndex = this.idle.indexOf(env);
    if (idleIndex >= 0) this.idle.splice(idleIndex, 1);
  }

  private async destroy(env: Environment): Promise<void> {
    this.forget(env);
    if (!env.alive) return;
    env.alive = false;
    await env.worker.terminate();
  }
}
