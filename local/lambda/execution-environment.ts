/**
 * One execution environment: a worker thread that imports the handler once (its Init phase) and then
 * runs one invocation at a time, under the function's timeout and memory size, with the variables
 * Lambda defines. The pool that reuses environments is LocalLambda's.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { LocalFunctionDefinition } from './types';

type OutputStream = 'stdout' | 'stderr';
/** What the function wrote since the worker's last message, in order (runtime-worker.mjs). */
type WorkerOutput = [OutputStream, string][];

type WorkerMessage = { output?: WorkerOutput } & (
  | { type: 'output' }
  | { type: 'ready'; initDurationMs: number }
  | { type: 'init-error'; errorType: string; errorMessage: string }
  | { type: 'result'; requestId: string; payload: string }
  | { type: 'error' | 'fatal'; requestId?: string; errorType: string; errorMessage: string; stack?: string }
);

export type Outcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'error'; errorType: string; errorMessage: string; fatal?: boolean; timedOut?: boolean };

/** One execution environment: a worker thread that imported the handler and serves one invocation at a time. */
export interface Environment {
  id: number;
  worker: Worker;
  ready: Promise<Outcome & { initDurationMs?: number }>;
  /** Settles the running invocation (or the init phase). */
  settle?: (outcome: Outcome) => void;
  alive: boolean;
  warm: boolean;
}

export interface SpawnOptions {
  id: number;
  definition: LocalFunctionDefinition;
  /** Added to (and winning over) the function's environment. */
  extraEnv: Record<string, string>;
  /** Limit for the Init phase (Lambda: 10 s). */
  initTimeoutMs: number | undefined;
  log: (line: string) => void;
  isClosed: () => boolean;
  /** The Init phase ended: ready, failed or timed out. */
  onInitEnded: () => void;
  /** The worker exited; called before the invocation it was running (if any) settles. */
  onExit: (env: Environment) => void;
  /** After an exit: a slot became free. */
  onSlotFreed: () => void;
}

const WORKER_URL = new URL('./runtime-worker.mjs', import.meta.url);

export function spawnEnvironment(options: SpawnOptions): Environment {
  const def = options.definition;
  const initTimeoutMs = options.initTimeoutMs ?? 10_000;
  const logStream = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`;
  const logGroup = `/aws/lambda/${def.name}`;
  const worker = new Worker(WORKER_URL, {
    // A clean worker: no loader flags of the parent (tsx, vitest), only what Lambda would set up.
    execArgv: [],
    env: environmentVariables(def, options.extraEnv, logGroup, logStream),
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
  const output = outputLines(def.name, options.log);
  // The worker sends output with its messages; its stdio streams only carry what bypasses
  // process.stdout/stderr (nothing of Node's own), so they are still read.
  forwardLines(worker.stdout, def.name, options.log);
  forwardLines(worker.stderr, def.name, options.log);

  const env: Environment = {
    id: options.id,
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
        errorMessage: `Init timed out after ${(initTimeoutMs / 1000).toFixed(2)} seconds`,
        timedOut: true,
      });
    }, initTimeoutMs);
    env.settle = (outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    };
  });

  void env.ready.then(() => options.onInitEnded());

  let lastError: (Error & { code?: string }) | undefined;
  worker.on('message', (message: WorkerMessage) => {
    // Before the message's own meaning: an invocation's lines come before its outcome.
    if (message.output) output.write(message.output);
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
        if (message.stack) options.log(`${def.name} ${message.stack.split('\n').slice(0, 6).join('\n')}`);
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
    output.end();
    env.alive = false;
    options.onExit(env);
    const outOfMemory = lastError?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    env.settle?.({
      kind: 'error',
      fatal: true,
      errorType: options.isClosed()
        ? 'Runtime.Shutdown'
        : outOfMemory
          ? 'Runtime.OutOfMemory'
          : 'Runtime.ExitError',
      errorMessage: outOfMemory
        ? `Runtime exited with error: out of memory (MemorySize ${def.memoryMb} MB)`
        : `Runtime exited with error: exit status ${code}${lastError ? ` (${lastError.message})` : ''}`,
    });
    options.onSlotFreed();
  });
  return env;
}

/** Runs one invocation in a ready environment; a run past the function's timeout is a fatal Sandbox.Timedout. */
export async function invokeIn(
  env: Environment,
  event: unknown,
  requestId: string,
  timeoutSeconds: number,
): Promise<Outcome> {
  const timeoutMs = timeoutSeconds * 1000;
  const outcome = await new Promise<Outcome>((resolve) => {
    const timer = setTimeout(() => {
      resolve({
        kind: 'error',
        errorType: 'Sandbox.Timedout',
        errorMessage: `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
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
  return outcome;
}

/** The variables Lambda defines for every function, then the template's, then the orchestrator's. */
function environmentVariables(
  def: LocalFunctionDefinition,
  extraEnv: Record<string, string>,
  logGroup: string,
  logStream: string,
): Record<string, string> {
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
  return { ...def.environment, ...reserved, ...extraEnv };
}

/** Splits the worker's output into lines, each logged with the function's name; a partial line waits for its end. */
function outputLines(functionName: string, log: (line: string) => void) {
  const partial: Record<OutputStream, string> = { stdout: '', stderr: '' };
  const emit = (stream: OutputStream, text: string) => {
    const lines = (partial[stream] + text).split('\n');
    partial[stream] = lines.pop() ?? '';
    for (const line of lines) log(`${functionName} ${line.endsWith('\r') ? line.slice(0, -1) : line}`);
  };
  return {
    write(output: WorkerOutput) {
      for (const [stream, text] of output) emit(stream, text);
    },
    end() {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream]) log(`${functionName} ${partial[stream]}`);
        partial[stream] = '';
      }
    },
  };
}

function forwardLines(stream: Readable, functionName: string, log: (line: string) => void): void {
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => log(`${functionName} ${line}`));
}
