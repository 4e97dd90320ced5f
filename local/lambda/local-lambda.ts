import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { AsyncJournal, QueuedInvocation } from './async-journal';
import { BackgroundSlots, defaultBackgroundConcurrency } from './background-slots';

export interface LocalFunctionDefinition {
  name: string;
  arn: string;
  /** Directory of the bundled code (`cdk.out/asset.<hash>`). */
  codeDir: string;
  /** `<file>.<export>`, e.g. `index.handler` (file `index.mjs`, `index.js` or `index.cjs`). */
  handler: string;
  runtime: string;
  memoryMb: number;
  timeoutSeconds: number;
  environment: Record<string, string>;
  reservedConcurrency?: number;
}

export interface LocalLambdaOptions {
  /** Added to (and winning over) the function's environment: local endpoints, dummy credentials, region. */
  extraEnv: Record<string, string>;
  log: (line: string) => void;
  /** Account-wide concurrency stand-in when the function has no reserved concurrency (default 10). */
  maxConcurrency?: number;
  /** Delays between the retries of a failed `Event` invocation (Lambda: about 1, then 2 minutes). */
  asyncRetryDelaysMs?: readonly number[];
  /** `AWS::Lambda::EventInvokeConfig`: retries (0..2, default 2) and the event's maximum age (default 6 h). */
  asyncConfig?: { maximumRetryAttempts?: number; maximumEventAgeSeconds?: number };
  /**
   * Where accepted `Event` invocations are kept until they finish, so a restart resumes them
   * (`resumeAsync`); without it they live in memory only.
   */
  asyncJournal?: AsyncJournal;
  /**
   * Called when Lambda gives up on an `Event` invocation (the place for an on-failure destination/DLQ);
   * a returned promise is awaited before the event leaves the journal.
   */
  onAsyncFailure?: (event: unknown, result: InvokeFailure | undefined, info: AsyncFailureInfo) => unknown;
  /** Limit for the Init phase (Lambda: 10 s). */
  initTimeoutMs?: number;
  /**
   * Event-driven invocations of this function at once when it has no reserved concurrency (default:
   * `defaultBackgroundConcurrency()`, a fair share of the machine). Kept below the concurrency limit,
   * so API requests always find an execution environment that background work cannot take.
   */
  backgroundConcurrency?: number;
  /**
   * Execution environments in their Init phase at once for event-driven invocations (default: the
   * cores, at least 2). Lambda initialises a burst's environments in parallel on separate hosts;
   * here they share the machine's cores, so a burst of 20 at once makes every one of them slow. An
   * event that finds this many initialising takes the first environment that becomes free, warm or
   * new. API invocations are not held back. Concurrency limits are unchanged.
   */
  maxInitializing?: number;
}

/** Why and after how many attempts Lambda gave up on an asynchronous invocation. */
export interface AsyncFailureInfo {
  requestId: string;
  condition: 'RetriesExhausted' | 'EventAgeExceeded';
  approximateInvokeCount: number;
}

interface InvokeMeta {
  requestId: string;
  durationMs: number;
  coldStart: boolean;
  /** Init phase duration of a cold start. */
  initDurationMs?: number;
}
export type InvokeSuccess = InvokeMeta & { ok: true; value: unknown };
export type InvokeFailure = InvokeMeta & {
  ok: false;
  errorType: string;
  errorMessage: string;
  timedOut?: boolean;
  /** Set by `tryInvoke` when every execution environment is busy (API callers answer 429). */
  throttled?: boolean;
};
export type InvokeResult = InvokeSuccess | InvokeFailure;

/** One run of the function (every attempt of an `Event` invocation is one), for the invocation log. */
export interface InvocationEntry {
  event: unknown;
  result: InvokeResult;
  /** When the invocation was asked for (it may have waited for a slot or an environment). */
  requestedAt: number;
}

/**
 * The part of an invocation's result the event sources (API Gateway, stream mappings) act on.
 * Every InvokeResult is one; tests can hand in stand-ins without request ids.
 */
export type InvokeOutcome =
  | { ok: true; value: unknown; durationMs: number; coldStart: boolean }
  | {
      ok: false;
      errorType: string;
      errorMessage: string;
      durationMs: number;
      coldStart: boolean;
      timedOut?: boolean;
    };

/** How an event source calls a function. */
export type Invoke = (event: unknown) => Promise<InvokeOutcome>;

export interface InvokeOptions {
  /** `Event` queues the invocation and resolves at once (with `value: null`), like an async Lambda invoke. */
  invocationType?: 'RequestResponse' | 'Event';
  /**
   * Event-driven (EventBridge target, stream or queue mapping): waits for one of the function's
   * background slots before it starts. `Event` invocations are always background.
   */
  background?: boolean;
  /** Event-driven, and the caller already holds a slot from `reserveBackground()` (a queue poller). */
  reserved?: boolean;
}

export interface LambdaStats {
  limit: number;
  environments: number;
  busy: number;
  idle: number;
  /** Invocations waiting for a free execution environment. */
  queued: number;
  /** Environments in their Init phase. */
  initializing: number;
  /** Background slots of this function, held and waited for. */
  background: { size: number; inUse: number; queued: number };
}

type WorkerMessage =
  | { type: 'ready'; initDurationMs: number }
  | { type: 'init-error'; errorType: string; errorMessage: string }
  | { type: 'result'; requestId: string; payload: string }
  | { type: 'error' | 'fatal'; requestId?: string; errorType: string; errorMessage: string; stack?: string };

type Outcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'error'; errorType: string; errorMessage: string; fatal?: boolean; timedOut?: boolean };

/** One execution environment: a worker thread that imported the handler and serves one invocation at a time. */
interface Environment {
  id: number;
  worker: Worker;
  ready: Promise<Outcome & { initDurationMs?: number }>;
  /** Settles the running invocation (or the init phase). */
  settle?: (outcome: Outcome) => void;
  alive: boolean;
  warm: boolean;
}

const WORKER_URL = new URL('./runtime-worker.mjs', import.meta.url);
const DEFAULT_ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];

/**
 * Runs one function's bundled code locally the way Lambda does: a pool of execution environments (worker threads)
 * that grows up to the concurrency limit and reuses idle ones (warm starts). `invoke` waits for a free environment;
 * `tryInvoke` answers "throttled" instead, for callers that map no-capacity to HTTP 429.
 */
export class LocalLambda {
  private readonly environments: Environment[] = [];
  private readonly idle: Environment[] = [];
  private readonly waiters: Array<(env: Environment | undefined) => void> = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly listeners: Array<(entry: InvocationEntry) => void> = [];
  /** `Event` invocations the last run left unfinished, until `resumeAsync` starts them. */
  private resumable: QueuedInvocation[];
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
    // Reserved concurrency is the function's capacity for every invocation, as on AWS; otherwise a
    // fair share, leaving the API at least one environment.
    const share = options.backgroundConcurrency ?? defaultBackgroundConcurrency();
    this.background = new BackgroundSlots(
      Math.max(1, definition.reservedConcurrency ?? Math.min(share, this.limit - 1)),
    );
    this.maxInitializing = Math.max(1, options.maxInitializing ?? defaultBackgroundConcurrency());
    this.resumable = options.asyncJournal?.open() ?? [];
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
    const resumed = this.resumable.splice(0);
    for (const queued of resumed) {
      this.options.log(
        `${this.definition.name} ${queued.requestId} async invocation resumed after a restart (${queued.failedAttempts} failed attempt(s) before)`,
      );
      void this.attemptAsync(queued, queued.failedAttempts);
    }
    return resumed.length;
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
    if (options.invocationType === 'Event') return Promise.resolve(this.invokeAsync(event));
    if (options.reserved) return this.run(event, false);
    return options.background ? this.runInBackground(event) : this.run(event, false);
  }

  /** Like `invoke` (RequestResponse), but fails with `throttled: true` at once when no environment is free. */
  tryInvoke(event: unknown): Promise<InvokeResult> {
    return this.run(event, true);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    await Promise.all(this.environments.map((env) => this.destroy(env)));
  }

  private invokeAsync(event: unknown): InvokeResult {
    const queued: QueuedInvocation = {
      requestId: randomUUID(),
      queuedAt: Date.now(),
      event,
      failedAttempts: 0,
    };
    this.options.asyncJournal?.add(queued);
    void this.attemptAsync(queued, 0);
    return { ok: true, value: null, requestId: queued.requestId, durationMs: 0, coldStart: false };
  }

  /** One attempt of an `Event` invocation (`retry` attempts failed before), then its retry or its end. */
  private async attemptAsync(queued: QueuedInvocation, retry: number, last?: InvokeFailure): Promise<void> {
    const { requestId, event } = queued;
    const delays = this.options.asyncRetryDelaysMs ?? DEFAULT_ASYNC_RETRY_DELAYS_MS;
    const maxRetries = this.options.asyncConfig?.maximumRetryAttempts ?? 2;
    const maxAgeMs = (this.options.asyncConfig?.maximumEventAgeSeconds ?? 6 * 3600) * 1000;
    const journal = this.options.asyncJournal;
    const giveUp = async (
      condition: AsyncFailureInfo['condition'],
      attempts: number,
      failure?: InvokeFailure,
    ) => {
      this.options.log(
        `${this.definition.name} ${requestId} async invocation given up (${condition}) after ${attempts} attempt(s)`,
      );
      // Out of the journal only once the destination has it.
      await this.options.onAsyncFailure?.(event, failure, {
        requestId,
        condition,
        approximateInvokeCount: attempts,
      });
      journal?.done(requestId);
    };
    // An event that waited in the queue (for capacity, or for its retry) past its age is dropped.
    if (Date.now() - queued.queuedAt > maxAgeMs) return giveUp('EventAgeExceeded', retry, last);
    const result = await this.runInBackground(event, requestId);
    // Cut off by a stop: it stays in the journal and runs again after the restart.
    if (this.closed) return;
    if (result.ok) {
      journal?.done(requestId);
      return;
    }
    journal?.failed(requestId, retry + 1);
    const delay = delays[Math.min(retry, delays.length - 1)];
    if (retry >= maxRetries || delay === undefined) return giveUp('RetriesExhausted', retry + 1, result);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.attemptAsync(queued, retry + 1, result);
    }, delay);
    timer.unref();
    this.retryTimers.add(timer);
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

    const timeoutMs = this.definition.timeoutSeconds * 1000;
    const started = performance.now();
    const outcome = await new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => {
        resolve({
          kind: 'error',
          errorType: 'Sandbox.Timedout',
          errorMessage: `Task timed out after ${this.definition.timeoutSeconds.toFixed(2)} seconds`,
          timedOut: true,
          fatal: true,
        });
      }, timeoutMs);
      env.settle = (result) => {
        clearTimeout(timer);
        resolve(result);
      };
      env.worker.postMessage({
        type: 'invoke',
        requestId,
        event: JSON.stringify(event ?? null),
        deadline: Date.now() + timeoutMs,
      });
    });
    env.settle = undefined;
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
    const def = this.definition;
    const id = this.nextEnvironmentId++;
    const logStream = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`;
    const logGroup = `/aws/lambda/${def.name}`;
    const worker = new Worker(WORKER_URL, {
      // A clean worker: no loader flags of the parent (tsx, vitest), only what Lambda would set up.
      execArgv: [],
      env: this.environmentVariables(logGroup, logStream),
      resourceLimits: { maxOldGenerationSizeMb: def.memoryMb },
      stdout: true,
      stderr: true,
      workerData: {
        codeDir: def.codeDir,
        handler: def.handler,
        functionName: def.name,
        functionVersion: '$LATEST',
        functionArn: def.arn,
        memoryMb: def.memoryMb,
        logGroup,
        logStream,
      },
    });
    this.forwardLines(worker.stdout);
    this.forwardLines(worker.stderr);
    this.initializing++;

    const env: Environment = {
      id,
      worker,
      alive: true,
      warm: false,
      ready: Promise.resolve({ kind: 'value', value: null }),
    };
    env.ready = new Promise((resolve) => {
      const timer = setTimeout(() => {
        resolve({
          kind: 'error',
          errorType: 'Sandbox.Timedout',
          errorMessage: `Init timed out after ${((this.options.initTimeoutMs ?? 10_000) / 1000).toFixed(2)} seconds`,
          timedOut: true,
        });
      }, this.options.initTimeoutMs ?? 10_000);
      env.settle = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
    });

    void env.ready.then(() => {
      this.initializing--;
      // Room for another Init: a waiting invocation may start a new environment.
      this.handOver();
    });

    let lastError: (Error & { code?: string }) | undefined;
    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'ready':
          env.settle?.({ kind: 'value', value: null, initDurationMs: message.initDurationMs } as Outcome);
          break;
        case 'init-error':
          env.settle?.({ kind: 'error', errorType: message.errorType, errorMessage: message.errorMessage });
          break;
        case 'result':
          env.settle?.({ kind: 'value', value: JSON.parse(message.payload) });
          break;
        case 'error':
        case 'fatal':
          if (message.stack)
            this.options.log(`${def.name} ${message.stack.split('\n').slice(0, 6).join('\n')}`);
          env.settle?.({
            kind: 'error',
            errorType: message.errorType,
            errorMessage: message.errorMessage,
            fatal: message.type === 'fatal',
          });
          break;
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      lastError = error;
    });
    worker.on('exit', (code) => {
      env.alive = false;
      this.forget(env);
      const outOfMemory = lastError?.code === 'ERR_WORKER_OUT_OF_MEMORY';
      env.settle?.({
        kind: 'error',
        fatal: true,
        errorType: this.closed
          ? 'Runtime.Shutdown'
          : outOfMemory
            ? 'Runtime.OutOfMemory'
            : 'Runtime.ExitError',
        errorMessage: outOfMemory
          ? `Runtime exited with error: out of memory (MemorySize ${def.memoryMb} MB)`
          : `Runtime exited with error: exit status ${code}${lastError ? ` (${lastError.message})` : ''}`,
      });
      // A slot became free: a queued invocation may start a new environment.
      this.handOver();
    });

    this.environments.push(env);
    return env;
  }

  /** The variables Lambda defines for every function, then the template's, then the orchestrator's. */
  private environmentVariables(logGroup: string, logStream: string): Record<string, string> {
    const def = this.definition;
    const reserved: Record<string, string> = {
      _HANDLER: def.handler,
      AWS_EXECUTION_ENV: `AWS_Lambda_${def.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: def.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(def.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: logGroup,
      AWS_LAMBDA_LOG_STREAM_NAME: logStream,
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      LAMBDA_TASK_ROOT: def.codeDir,
      LAMBDA_RUNTIME_DIR: '/var/runtime',
      LANG: 'en_US.UTF-8',
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      TZ: ':UTC',
    };
    return { ...def.environment, ...reserved, ...this.options.extraEnv };
  }

  private forwardLines(stream: Readable): void {
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => this.options.log(`${this.definition.name} ${line}`));
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
