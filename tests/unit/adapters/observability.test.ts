import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

function lambdaContext(): Context {
  return {
    functionName: 'probe',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:probe',
    memoryLimitInMB: '128',
    awsRequestId: crypto.randomUUID(),
    logGroupName: '/aws/lambda/probe',
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 1000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The JSON lines a run writes to stdout (Powertools writes logs and EMF metrics there). */
async function stdoutOf(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('observedHandler', () => {
  it('emits the ColdStart metric on the first invocation only, under the service name from the environment', async () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'probe-service');
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'Probe');
    vi.stubEnv('POWERTOOLS_DEV', '');
    // As Lambda (and the local cloud) set it: Powertools counts a cold start only for on-demand.
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const { observedHandler, metrics, logger } = await import('#shared/adapters/observability.ts');
    const handler = observedHandler<{ n: number }, number>().handler(async (event) => {
      metrics.addMetric('Probed', 'Count', 1);
      logger.info('probing', { n: event.n });
      return event.n;
    });

    const first = await stdoutOf(() => handler({ n: 1 }, lambdaContext()));
    const second = await stdoutOf(() => handler({ n: 2 }, lambdaContext()));
    const coldStarts = (lines: Record<string, unknown>[]) => lines.filter((line) => 'ColdStart' in line);
    expect(coldStarts(first)).toHaveLength(1);
    expect(coldStarts(first)[0]).toMatchObject({ service: 'probe-service', ColdStart: 1 });
    expect(coldStarts(second)).toEqual([]);
    // Every log line carries the invocation's context.
    const log = second.find((line) => line.message === 'probing');
    expect(log).toMatchObject({ service: 'probe-service', function_name: 'probe', n: 2 });
    expect(second.find((line) => 'Probed' in line)).toMatchObject({ Probed: 1 });
  });
});

describe('every function', () => {
  const functions = readdirSync(join(root, 'functions'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);

  it.each(functions)('functions/%s uses the shared logger and metrics, with the cold-start metric', (fn) => {
    const source = readFileSync(join(root, 'functions', fn, 'handler.ts'), 'utf8');
    expect(source, 'build the logger and metrics once: shared/adapters/observability.ts').not.toMatch(
      /new (Logger|Metrics)\(/,
    );
    expect(source).toMatch(/from '#shared\/adapters\/observability\.ts'/);
    // observedHandler and httpHandler both add logMetrics with captureColdStartMetric.
    expect(source).toMatch(/observedHandler<|httpHandler\(|captureColdStartMetric: true/);
  });
});
