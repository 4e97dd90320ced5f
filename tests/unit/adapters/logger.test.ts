import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext as powertoolsInjectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { injectLambdaContext, type LogExtra, Logger } from '#shared/adapters/logger.ts';

const context = (requestId: string) =>
  ({
    functionName: 'probe',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:probe',
    memoryLimitInMB: '256',
    awsRequestId: requestId,
  }) as Context;

/** The lines written to stdout and stderr while `run` runs, each parsed, with its stream. */
async function outputOf(run: () => Promise<unknown>): Promise<{ stream: string; line: unknown }[]> {
  const written: { stream: string; line: unknown }[] = [];
  const spies = (['stdout', 'stderr'] as const).map((stream) =>
    vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        // The clock and the stacks (the call sites) differ between two runs; their forms are checked apart.
        const parsed = JSON.parse(line, (key, value) => (key === 'stack' ? typeof value : value));
        written.push({ stream, line: { ...parsed, timestamp: typeof parsed.timestamp } });
      }
      return true;
    }),
  );
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return written;
}

interface AnyLogger {
  appendKeys(keys: Record<string, unknown>): void;
  debug(message: string, ...extras: LogExtra[]): void;
  info(message: string, ...extras: LogExtra[]): void;
  warn(message: string, ...extras: LogExtra[]): void;
  error(message: string, ...extras: LogExtra[]): void;
  critical(message: string, ...extras: LogExtra[]): void;
}

/** Three invocations that use every feature the functions use, and a few they might. */
async function invocations(logger: AnyLogger, middleware: MiddlewareObj<number, void, Error, Context>) {
  const handler = middy<number, void, Error, Context>()
    .use(middleware)
    .handler(async (n) => {
      logger.appendKeys({ routeKey: 'POST /v1/items', invocation: n });
      logger.debug('below the level', { n });
      logger.info('accepted', { itemId: 'itm_1', nested: { a: [1, 2], b: null }, big: 10n ** 20n });
      const circular: Record<string, unknown> = { name: 'loop' };
      circular.self = circular;
      logger.info('circular', { circular }, 'and some text');
      const cause = new TypeError('socket hang up');
      const error = Object.assign(new Error('write failed', { cause }), { code: 'ECONNRESET', status: 503 });
      logger.warn('retrying', { error, attempt: 2 });
      logger.error('gave up', error);
      logger.critical('empty values are left out', { empty: '', nothing: null, missing: undefined });
      if (n === 2) throw new Error('handler failed');
    });
  const lines: unknown[] = [];
  for (const n of [1, 2, 3]) {
    lines.push(...(await outputOf(() => handler(n, context(`req-${n}`)).catch(() => undefined))));
  }
  return lines;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('Logger', () => {
  it('writes what the Powertools Logger writes for the same invocations, to the same streams', async () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'probe-service');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    vi.stubEnv('POWERTOOLS_DEV', '');
    vi.stubEnv('AWS_LAMBDA_LOG_LEVEL', '');
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    vi.stubEnv(
      '_X_AMZN_TRACE_ID',
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    );
    const theirs = new PowertoolsLogger();
    const expected = await invocations(theirs, powertoolsInjectLambdaContext(theirs, { resetKeys: true }));
    const ours = new Logger();
    const actual = await invocations(ours, injectLambdaContext(ours));
    expect(actual).toEqual(expected);
    // What the comparison covers: 4 lines per invocation, the context (cold only at first), keys
    // reset between invocations, errors formatted with their cause and own fields.
    expect(actual).toHaveLength(15);
    expect(actual[0]).toEqual({
      stream: 'stdout',
      line: {
        level: 'INFO',
        message: 'accepted',
        timestamp: 'string',
        service: 'probe-service',
        cold_start: true,
        function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:probe',
        function_memory_size: '256',
        function_name: 'probe',
        function_request_id: 'req-1',
        sampling_rate: 0,
        xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
        routeKey: 'POST /v1/items',
        invocation: 1,
        itemId: 'itm_1',
        nested: { a: [1, 2], b: null },
        big: '100000000000000000000',
      },
    });
    expect(actual[5]).toMatchObject({ line: { cold_start: false, invocation: 2 } });
    expect(actual[3]).toMatchObject({
      stream: 'stderr',
      line: {
        level: 'ERROR',
        error: {
          name: 'Error',
          message: 'write failed',
          location: expect.stringMatching(/^file:.+:\d+$/),
          cause: { name: 'TypeError', message: 'socket hang up' },
          code: 'ECONNRESET',
          status: 503,
        },
      },
    });
  });

  it('writes an ISO 8601 UTC timestamp and one line per entry (indented under POWERTOOLS_DEV)', () => {
    const lines: string[] = [];
    new Logger({ env: {}, write: (line) => lines.push(line) }).info('one line', { a: 1 });
    new Logger({ env: { POWERTOOLS_DEV: 'true' }, write: (line) => lines.push(line) }).info('indented');
    expect(lines[0]).not.toContain('\n');
    const { timestamp } = JSON.parse(lines[0]!) as { timestamp: string };
    expect(new Date(timestamp).toISOString()).toBe(timestamp);
    expect(lines[1]).toContain('\n    "message": "indented"');
  });

  it.each([
    [{}, undefined],
    [{ POWERTOOLS_LOG_LEVEL: 'DEBUG' }, undefined],
    [{ POWERTOOLS_LOG_LEVEL: 'debug' }, undefined],
    [{}, 'warn' as const],
    [{ AWS_LAMBDA_LOG_LEVEL: 'FATAL' }, undefined],
    [{ LOG_LEVEL: 'WARN' }, undefined],
    [{ POWERTOOLS_LOG_LEVEL: 'ERROR', LOG_LEVEL: 'DEBUG' }, undefined],
    [{ POWERTOOLS_LOG_LEVEL: 'ERROR' }, 'DEBUG' as const],
    [{ POWERTOOLS_LOG_LEVEL: 'nonsense' }, undefined],
    [{ AWS_LAMBDA_LOG_LEVEL: 'WARN', POWERTOOLS_LOG_LEVEL: 'DEBUG' }, 'INFO' as const],
  ])('picks the level Powertools picks from %o and the constructor level %s', (env, logLevel) => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', '');
    vi.stubEnv('LOG_LEVEL', '');
    vi.stubEnv('AWS_LAMBDA_LOG_LEVEL', '');
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
    const theirs = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const expected = new PowertoolsLogger(logLevel ? { logLevel } : {}).getLevelName();
    theirs.mockRestore();
    expect(new Logger(logLevel ? { logLevel } : {}).level).toBe(expected);
  });

  it.each(['on-demand', 'provisioned-concurrency', 'snap-start', undefined])(
    'counts cold starts as Powertools does when the initialization type is %s',
    async (type) => {
      vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', type);
      vi.stubEnv('POWERTOOLS_DEV', '');
      const coldStarts = async (
        logger: AnyLogger,
        middleware: MiddlewareObj<number, void, Error, Context>,
      ) => {
        const handler = middy<number, void, Error, Context>()
          .use(middleware)
          .handler(async () => logger.info('x'));
        const lines: unknown[] = [];
        for (const n of [1, 2]) lines.push(...(await outputOf(() => handler(n, context(`req-${n}`)))));
        return lines.map((entry) => (entry as { line: { cold_start?: boolean } }).line.cold_start);
      };
      const theirs = new PowertoolsLogger();
      const ours = new Logger();
      const expected = await coldStarts(theirs, powertoolsInjectLambdaContext(theirs));
      expect(await coldStarts(ours, injectLambdaContext(ours))).toEqual(expected);
      expect(expected).toEqual(type === 'on-demand' ? [true, false] : [false, false]);
    },
  );
});
