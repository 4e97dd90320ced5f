import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { isTruthy, startsCold } from './env';

/**
 * Metrics as CloudWatch embedded metric format (EMF) log lines: what Powertools Metrics writes, for
 * the part of it this project uses (counters under the `service` dimension, a `ColdStart` metric,
 * one flush per invocation), in a few lines instead of its ~11 KB: issue 11 measured
 * Powertools Metrics at ~4.5 M instructions of every function's cold start (docs/dependencies.md).
 * Same environment variables and the same output as Powertools Metrics, so dashboards, alarms and
 * the local cloud read them unchanged.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */

/** The CloudWatch units this project records (EMF `Unit`). */
export const MetricUnit = { Count: 'Count', Milliseconds: 'Milliseconds' } as const;
export type MetricUnit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** EMF limits: metrics per directive, values per metric in one document. */
const MAX_METRICS = 100;
const MAX_VALUES = 100;
const COLD_START = 'ColdStart';

export interface MetricsOptions {
  /** Default: `POWERTOOLS_METRICS_NAMESPACE`. */
  namespace?: string;
  /** The `service` dimension. Default: `POWERTOOLS_SERVICE_NAME`. */
  serviceName?: string;
  env?: NodeJS.ProcessEnv;
  /** Where a document goes (default: one line on stdout, where Lambda sends it to CloudWatch Logs). */
  write?: (line: string) => void;
  now?: () => number;
}

export class Metrics {
  readonly namespace: string;
  readonly serviceName: string;
  /** `POWERTOOLS_METRICS_DISABLED`, else `POWERTOOLS_DEV`: recorded, never written. */
  readonly disabled: boolean;
  private readonly stored = new Map<string, { unit: MetricUnit; values: number[] }>();
  private readonly write: (line: string) => void;
  private readonly now: () => number;
  /** Until the first invocation's ColdStart metric is written (see startsCold). */
  private coldStart: boolean;

  constructor(options: MetricsOptions = {}) {
    const env = options.env ?? process.env;
    this.namespace = options.namespace ?? env.POWERTOOLS_METRICS_NAMESPACE ?? 'default_namespace';
    this.serviceName = options.serviceName ?? env.POWERTOOLS_SERVICE_NAME ?? 'service_undefined';
    this.disabled =
      env.POWERTOOLS_METRICS_DISABLED === undefined
        ? isTruthy(env.POWERTOOLS_DEV)
        : isTruthy(env.POWERTOOLS_METRICS_DISABLED);
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.now = options.now ?? Date.now;
    this.coldStart = startsCold(env);
  }

  /** Records one value; the invocation's values are written together (publishStoredMetrics). */
  addMetric(name: string, unit: MetricUnit, value: number): void {
    const stored = this.stored.get(name);
    if (stored !== undefined && stored.unit !== unit) {
      throw new TypeError(`Metric "${name}" was recorded as ${stored.unit}, not ${unit}`);
    }
    // A full document is written early rather than lose values past EMF's limits.
    if (stored === undefined ? this.stored.size === MAX_METRICS : stored.values.length === MAX_VALUES) {
      this.publishStoredMetrics();
    }
    const current = this.stored.get(name);
    if (current === undefined) this.stored.set(name, { unit, values: [value] });
    else current.values.push(value);
  }

  /** Writes the recorded values as one EMF document (nothing when none were recorded). */
  publishStoredMetrics(): void {
    if (this.stored.size === 0) return;
    const metrics = [...this.stored].map(([name, { unit, values }]) => ({ name, unit, values }));
    this.stored.clear();
    this.emit({ service: this.serviceName }, metrics);
  }

  /** `ColdStart` = 1 with the `function_name` dimension, written at once, on the first call of a cold start. */
  captureColdStartMetric(functionName?: string): void {
    if (!this.coldStart) return;
    this.coldStart = false;
    const name = functionName?.trim();
    this.emit({ service: this.serviceName, ...(name ? { function_name: name } : {}) }, [
      { name: COLD_START, unit: MetricUnit.Count, values: [1] },
    ]);
  }

  private emit(
    dimensions: Record<string, string>,
    metrics: { name: string; unit: MetricUnit; values: number[] }[],
  ): void {
    if (this.disabled) return;
    const document: Record<string, unknown> = {
      _aws: {
        Timestamp: this.now(),
        CloudWatchMetrics: [
          {
            Namespace: this.namespace,
            Dimensions: [Object.keys(dimensions)],
            Metrics: metrics.map(({ name, unit }) => ({ Name: name, Unit: unit })),
          },
        ],
      },
      ...dimensions,
    };
    for (const { name, values } of metrics) document[name] = values.length === 1 ? values[0] : values;
    this.write(JSON.stringify(document));
  }
}

/**
 * Middy middleware: the `ColdStart` metric before the first invocation (optional), and the
 * invocation's metrics written after it, whether it succeeded or failed.
 */
export function logMetrics(
  metrics: Metrics,
  { captureColdStartMetric = false }: { captureColdStartMetric?: boolean } = {},
): MiddlewareObj<unknown, unknown, Error, Context> {
  const publish = () => metrics.publishStoredMetrics();
  return {
    before: (request) => {
      if (captureColdStartMetric) metrics.captureColdStartMetric(request.context.functionName);
    },
    after: publish,
    onError: publish,
  };
}
