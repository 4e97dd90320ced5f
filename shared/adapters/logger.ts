import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { isTruthy, startsCold } from './env';

/**
 * Structured JSON logs, one object a line, in the format Powertools for AWS Lambda's Logger writes,
 * for the part of it this project uses: levels, the service, the Lambda context, keys appended for
 * one invocation, and errors as `{ name, location, message, stack, cause }`. A few lines instead of
 * its ~21 KB: issue 11 measured the Powertools Logger at ~8.5 M instructions of every function's cold
 * start (docs/dependencies.md). Same environment variables and the same lines as Powertools (a unit
 * test compares them), so log queries, the local cloud's log view and Lambda's JSON log level
 * filtering read them unchanged. Not carried over: sampling, log buffering, correlation ids, child
 * loggers and persistent keys, which nothing here uses.
 */

/** Powertools' levels and thresholds; Lambda's `FATAL` (AWS_LAMBDA_LOG_LEVEL) is its `CRITICAL`. */
const THRESHOLDS = { TRACE: 6, DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, CRITICAL: 24, SILENT: 28 } as const;
export type LogLevel = keyof typeof THRESHOLDS;

/** A line's extra arguments: objects are merged into it, an Error goes under `error`, text under `extra`. */
export type LogExtra = Record<string, unknown> | Error | string;

export interface LoggerOptions {
  /** Default: `POWERTOOLS_SERVICE_NAME`. */
  serviceName?: string;
  /** Below Lambda's own level (`AWS_LAMBDA_LOG_LEVEL`); default `POWERTOOLS_LOG_LEVEL`, `LOG_LEVEL`, INFO. */
  logLevel?: LogLevel | Lowercase<LogLevel>;
  env?: NodeJS.ProcessEnv;
  /** Where a line goes (default: stdout, stderr for WARN and above, as Powertools' console does). */
  write?: (line: string, level: LogLevel) => void;
}

/** The keys Powertools takes from the invocation's context. */
interface ContextKeys {
  cold_start: boolean;
  function_arn: string;
  function_memory_size: string;
  function_name: string;
  function_request_id: string;
}

/** A level as Powertools reads it: exactly a level's name (only the constructor's is upper-cased). */
function levelOf(value: string | undefined): LogLevel | undefined {
  const level = value === 'FATAL' ? 'CRITICAL' : value;
  return level !== undefined && Object.hasOwn(THRESHOLDS, level) ? (level as LogLevel) : undefined;
}

function writeToConsoleStream(line: string, level: LogLevel): void {
  (THRESHOLDS[level] >= THRESHOLDS.WARN ? process.stderr : process.stdout).write(`${line}\n`);
}

export class Logger {
  readonly serviceName: string;
  readonly level: LogLevel;
  private readonly threshold: number;
  private readonly write: (line: string, level: LogLevel) => void;
  private readonly env: NodeJS.ProcessEnv;
  /** `POWERTOOLS_DEV`: indented lines, stacks as arrays (for reading, not for CloudWatch). */
  private readonly dev: boolean;
  private keys: Record<string, unknown> = {};
  private context?: ContextKeys;
  /** Until the first invocation's context is added (see startsCold). */
  private coldStart: boolean;

  constructor(options: LoggerOptions = {}) {
    const env = options.env ?? process.env;
    this.env = env;
    this.serviceName = options.serviceName ?? env.POWERTOOLS_SERVICE_NAME ?? 'service_undefined';
    // Lambda drops JSON lines below its own level, so that level wins (as in Powertools).
    this.level =
      levelOf(env.AWS_LAMBDA_LOG_LEVEL) ??
      levelOf(options.logLevel?.toUpperCase()) ??
      levelOf(env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL) ??
      'INFO';
    this.threshold = THRESHOLDS[this.level];
    this.write = options.write ?? writeToConsoleStream;
    this.dev = isTruthy(env.POWERTOOLS_DEV);
    this.coldStart = startsCold(env);
  }

  /** Keys on every line until `resetKeys` (the middleware resets them after each invocation). */
  appendKeys(keys: Record<string, unknown>): void {
    Object.assign(this.keys, keys);
  }

  resetKeys(): void {
    this.keys = {};
  }

  addContext(context: Context): void {
    this.context = {
      cold_start: this.coldStart,
      function_arn: context.invokedFunctionArn,
      function_memory_size: context.memoryLimitInMB,
      function_name: context.functionName,
      function_request_id: context.awsRequestId,
    };
    this.coldStart = false;
  }

  trace(message: string, ...extras: LogExtra[]): void {
    this.log('TRACE', message, extras);
  }

  debug(message: string, ...extras: LogExtra[]): void {
    this.log('DEBUG', message, extras);
  }

  info(message: string, ...extras: LogExtra[]): void {
    this.log('INFO', message, extras);
  }

  warn(message: string, ...extras: LogExtra[]): void {
    this.log('WARN', message, extras);
  }

  error(message: string, ...extras: LogExtra[]): void {
    this.log('ERROR', message, extras);
  }

  critical(message: string, ...extras: LogExtra[]): void {
    this.log('CRITICAL', message, extras);
  }

  private log(level: LogLevel, message: string, extras: LogExtra[]): void {
    if (THRESHOLDS[level] < this.threshold) return;
    const line: Record<string, unknown> = {
      level,
      message,
      timestamp: new Date().toISOString(),
      service: this.serviceName,
      ...this.context,
      // Powertools' sampling rate for debug lines; none here.
      sampling_rate: 0,
      xray_trace_id: /Root=([^;]+)/.exec(this.env._X_AMZN_TRACE_ID ?? '')?.[1],
      ...this.keys,
    };
    for (const extra of extras) {
      if (extra instanceof Error) line.error = extra;
      else if (typeof extra === 'string') line.extra = extra;
      else Object.assign(line, extra);
    }
    // Powertools leaves out empty values at the top level.
    for (const key of Object.keys(line)) {
      if (line[key] === undefined || line[key] === null || line[key] === '') delete line[key];
    }
    this.write(JSON.stringify(line, this.replacer(), this.dev ? 4 : 0), level);
  }

  /** Errors as Powertools formats them, bigints as text, a circular reference left out. */
  private replacer(): (this: unknown, key: string, value: unknown) => unknown {
    const ancestors: unknown[] = [];
    const dev = this.dev;
    return function (this: unknown, _key, value) {
      const replaced = value instanceof Error ? formatError(value, dev) : value;
      if (typeof replaced === 'bigint') return replaced.toString();
      if (typeof replaced === 'object' && replaced !== null) {
        while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
        if (ancestors.includes(replaced)) return undefined;
        ancestors.push(replaced);
      }
      return replaced;
    };
  }
}

function formatError(error: Error, dev: boolean): Record<string, unknown> {
  const { name, message, stack, cause } = error;
  const formatted: Record<string, unknown> = {
    name,
    location: codeLocation(stack),
    message,
    stack: dev && typeof stack === 'string' ? stack.split('\n') : stack,
    cause: cause instanceof Error ? formatError(cause, dev) : cause,
  };
  // An error's own fields (a code, a status) after the standard ones.
  for (const key in error) {
    if (!['name', 'message', 'stack', 'cause'].includes(key)) {
      formatted[key] = (error as unknown as Record<string, unknown>)[key];
    }
  }
  return formatted;
}

/** `file:line` of the first stack frame with a location. */
function codeLocation(stack: string | undefined): string {
  for (const frame of stack?.split('\n') ?? []) {
    const match = /\(([^()]*?):(\d+?):(\d+?)\)\\?$/.exec(frame);
    if (match) return `${match[1]}:${Number(match[2])}`;
  }
  return '';
}

/**
 * Middy middleware: the invocation's context on every line, and the keys appended during an
 * invocation dropped after it (Powertools' `injectLambdaContext` with `resetKeys: true`).
 */
export function injectLambdaContext<TEvent = unknown, TResult = unknown>(
  logger: Logger,
): MiddlewareObj<TEvent, TResult, Error, Context> {
  return {
    before: (request) => logger.addContext(request.context),
    after: () => logger.resetKeys(),
    onError: () => logger.resetKeys(),
  };
}
