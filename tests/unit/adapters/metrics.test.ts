import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { logMetrics as powertoolsLogMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logMetrics, Metrics, type MetricsOptions } from '#shared/adapters/metrics.ts';

const context = { functionName: 'probe' } as Context;
const NOW = 1_764_900_000_000;

function recorder(options: MetricsOptions = {}) {
  const lines: Record<string, unknown>[] = [];
  const metrics = new Metrics({
    namespace: 'Probe',
    serviceName: 'probe-service',
    env: { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' },
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    now: () => NOW,
    ...options,
  });
  return { metrics, lines };
}

/** The JSON lines written to stdout while `run` runs (where Powertools writes EMF). */
async function stdoutOf(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return chunks
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const withoutTimestamp = (document: Record<string, unknown>) => {
  const { _aws, ...rest } = document as { _aws: Record<string, unknown> };
  const { Timestamp: _, ...aws } = _aws;
  return { _aws: aws, ...rest };
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('Metrics (EMF)', () => {
  it('writes what Powertools Metrics writes for the same invocations, ColdStart included', async () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'probe-service');
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'Probe');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const invocations = async (
      metrics: { addMetric(name: string, unit: 'Count', value: number): void },
      middleware: ReturnType<typeof logMetrics>,
    ) => {
      const handler = middy<unknown, void, Error, Context>()
        .use(middleware)
        .handler(async (event) => {
          for (const [name, value] of event as [string, number][]) metrics.addMetric(name, 'Count', value);
        });
      const lines: Record<string, unknown>[] = [];
      for (const event of [
        [
          ['Sent', 1],
          ['Sent', 2],
          ['Failed', 1],
        ],
        [],
        [['Sent', 5]],
      ]) {
        lines.push(...(await stdoutOf(() => handler(event, context))));
      }
      return lines.map(withoutTimestamp);
    };
    const ours = new Metrics();
    const theirs = new PowertoolsMetrics();
    const expected = await invocations(
      theirs,
      powertoolsLogMetrics(theirs, { captureColdStartMetric: true }),
    );
    const actual = await invocations(ours, logMetrics(ours, { captureColdStartMetric: true }));
    expect(actual).toEqual(expected);
    expect(actual).toEqual([
      {
        _aws: {
          CloudWatchMetrics: [
            {
              Namespace: 'Probe',
              Dimensions: [['service', 'function_name']],
              Metrics: [{ Name: 'ColdStart', Unit: 'Count' }],
            },
          ],
        },
        service: 'probe-service',
        function_name: 'probe',
        ColdStart: 1,
      },
      {
        _aws: {
          CloudWatchMetrics: [
            {
              Namespace: 'Probe',
              Dimensions: [['service']],
              Metrics: [
                { Name: 'Sent', Unit: 'Count' },
                { Name: 'Failed', Unit: 'Count' },
              ],
            },
          ],
        },
        service: 'probe-service',
        Sent: [1, 2],
        Failed: 1,
      },
      expect.objectContaining({ Sent: 5 }),
    ]);
  });

  it('stamps each document with the time it is written', () => {
    const { metrics, lines } = recorder();
    metrics.addMetric('Sent', 'Count', 1);
    metrics.publishStoredMetrics();
    expect(lines[0]!._aws).toMatchObject({ Timestamp: NOW });
  });

  it('counts a cold start only in an on-demand environment, once', () => {
    const onDemand = recorder();
    onDemand.metrics.captureColdStartMetric('probe');
    onDemand.metrics.captureColdStartMetric('probe');
    expect(onDemand.lines.map((line) => line.ColdStart)).toEqual([1]);
    for (const type of ['provisioned-concurrency', undefined]) {
      const other = recorder({ env: type === undefined ? {} : { AWS_LAMBDA_INITIALIZATION_TYPE: type } });
      other.metrics.captureColdStartMetric('probe');
      expect(other.lines).toEqual([]);
    }
  });

  it('writes nothing for an invocation that recorded nothing', () => {
    const { metrics, lines } = recorder();
    metrics.publishStoredMetrics();
    expect(lines).toEqual([]);
  });

  it('writes a document early rather than exceed 100 metrics or 100 values of one metric', () => {
    const { metrics, lines } = recorder();
    for (let i = 0; i < 101; i++) metrics.addMetric(`M${i}`, 'Count', i);
    for (let i = 0; i < 101; i++) metrics.addMetric('M100', 'Count', i);
    metrics.publishStoredMetrics();
    const metricsOf = (line: Record<string, unknown>) =>
      (line._aws as { CloudWatchMetrics: { Metrics: unknown[] }[] }).CloudWatchMetrics[0]!.Metrics;
    expect(lines.map((line) => metricsOf(line).length)).toEqual([100, 1, 1]);
    expect(lines[1]!.M100).toHaveLength(100);
    expect(lines[2]!.M100).toEqual([99, 100]);
  });

  it('refuses a metric recorded under two units', () => {
    const { metrics } = recorder();
    metrics.addMetric('Latency', 'Milliseconds', 3);
    expect(() => metrics.addMetric('Latency', 'Count', 1)).toThrow(TypeError);
  });

  it.each([
    [{ POWERTOOLS_METRICS_DISABLED: 'true' }, true],
    [{ POWERTOOLS_DEV: 'true' }, true],
    [{ POWERTOOLS_DEV: 'true', POWERTOOLS_METRICS_DISABLED: 'false' }, false],
    [{}, false],
  ])('is disabled as Powertools is: %o -> %s', (env, disabled) => {
    const { metrics, lines } = recorder({ env: { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', ...env } });
    expect(metrics.disabled).toBe(disabled);
    metrics.captureColdStartMetric('probe');
    metrics.addMetric('Sent', 'Count', 1);
    metrics.publishStoredMetrics();
    expect(lines).toHaveLength(disabled ? 0 : 2);
  });

  it('publishes after a failed invocation too', async () => {
    const { metrics, lines } = recorder();
    const handler = middy<unknown, void, Error, Context>()
      .use(logMetrics(metrics))
      .handler(async () => {
        metrics.addMetric('Failed', 'Count', 1);
        throw new Error('boom');
      });
    await expect(handler({}, context)).rejects.toThrow('boom');
    expect(lines.map((line) => line.Failed)).toEqual([1]);
  });
});
