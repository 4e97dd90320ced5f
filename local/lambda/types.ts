/**
 * The local Lambda's shapes: a function's definition and options, how an invocation is asked for, what it
 * returns, and what the invocation log records.
 */
import type { AsyncJournal } from './async-journal';

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
   * Event-driven invocations of this function at once while they finish quickly (default:
   * `defaultBackgroundConcurrency()`, a fair share of the machine); invocations that run for a second
   * or more lend their slots, up to the reserved concurrency or else the limit less one, so API
   * requests always find an execution environment that background work cannot take.
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

export interface InvokeMeta {
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
