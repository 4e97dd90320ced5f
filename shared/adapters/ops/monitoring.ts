/**
 * The figures only a monitoring service has: alarms in ALARM, the outbox publisher's IteratorAge and
 * each queue's ApproximateAgeOfOldestMessage. On AWS they come from CloudWatch; the local cloud has no
 * CloudWatch, so there the alarms and the iterator age are reported unavailable (with the reason) and
 * the age of the oldest message is read from the local SQS's inspection endpoint, which knows it.
 */
import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { AlarmState, Availability } from '../../domain/ops/status';

export interface Monitoring {
  alarmsInAlarm(namePrefix: string): Promise<Availability<AlarmState[]>>;
  /** The outbox lag: the publisher's IteratorAge (max over the last 5 minutes); null without data points. */
  iteratorAgeMs(functionName: string): Promise<Availability<number | null>>;
  /** Age of each queue's oldest message, by queue name; null when the queue is empty or has no data. */
  oldestMessageAgesMs(queueNames: string[]): Promise<Map<string, Availability<number | null>>>;
}

const LOOKBACK_MS = 5 * 60_000;

export class CloudWatchMonitoring implements Monitoring {
  constructor(
    private readonly client: CloudWatchClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async alarmsInAlarm(namePrefix: string): Promise<Availability<AlarmState[]>> {
    const alarms: AlarmState[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.client.send(
        new DescribeAlarmsCommand({
          AlarmNamePrefix: namePrefix,
          StateValue: 'ALARM',
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          NextToken,
        }),
      );
      for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])])
        alarms.push({
          name: alarm.AlarmName ?? '?',
          reason: alarm.StateReason ?? '',
          ...(alarm.StateUpdatedTimestamp && { since: alarm.StateUpdatedTimestamp.toISOString() }),
        });
      NextToken = page.NextToken;
    } while (NextToken);
    return { available: true, value: alarms };
  }

  async iteratorAgeMs(functionName: string): Promise<Availability<number | null>> {
    const [value] = await this.latestMaxima([
      { namespace: 'AWS/Lambda', metric: 'IteratorAge', dimension: ['FunctionName', functionName] },
    ]);
    return { available: true, value: value ?? null };
  }

  async oldestMessageAgesMs(queueNames: string[]): Promise<Map<string, Availability<number | null>>> {
    const values = await this.latestMaxima(
      queueNames.map((name) => ({
        namespace: 'AWS/SQS',
        metric: 'ApproximateAgeOfOldestMessage',
        dimension: ['QueueName', name] as const,
      })),
    );
    // The metric is in seconds.
    return new Map(
      queueNames.map((name, i) => {
        const seconds = values[i];
        return [name, { available: true, value: seconds === undefined ? null : seconds * 1000 }];
      }),
    );
  }

  /** The latest Maximum of each metric over the last 5 minutes (one GetMetricData call per 500). */
  private async latestMaxima(
    metrics: Array<{ namespace: string; metric: string; dimension: readonly [string, string] }>,
  ): Promise<Array<number | undefined>> {
    const end = this.now();
    const results: Array<number | undefined> = [];
    for (let offset = 0; offset < metrics.length; offset += 500) {
      const chunk = metrics.slice(offset, offset + 500);
      const queries: MetricDataQuery[] = chunk.map((m, i) => ({
        Id: `m${i}`,
        MetricStat: {
          Metric: {
            Namespace: m.namespace,
            MetricName: m.metric,
            Dimensions: [{ Name: m.dimension[0], Value: m.dimension[1] }],
          },
          Period: 60,
          Stat: 'Maximum',
        },
        ReturnData: true,
      }));
      const byId = new Map<string, number | undefined>();
      let NextToken: string | undefined;
      do {
        const page = await this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(end.getTime() - LOOKBACK_MS),
            EndTime: end,
            ScanBy: 'TimestampDescending',
            NextToken,
          }),
        );
        for (const result of page.MetricDataResults ?? [])
          if (result.Id && !byId.has(result.Id)) byId.set(result.Id, result.Values?.[0]);
        NextToken = page.NextToken;
      } while (NextToken);
      results.push(...chunk.map((_, i) => byId.get(`m${i}`)));
    }
    return results;
  }
}

const NO_CLOUDWATCH = 'the local cloud has no CloudWatch';

/** The local cloud: no CloudWatch; queue ages from `GET <sqs>/_local/queues` (its `oldestSentTimestamp`). */
export class LocalMonitoring implements Monitoring {
  constructor(
    private readonly sqsEndpoint: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async alarmsInAlarm(): Promise<Availability<AlarmState[]>> {
    return {
      available: false,
      reason: `${NO_CLOUDWATCH} (each DLQ alarm fires on a non-empty queue: see the DLQ depths)`,
    };
  }

  async iteratorAgeMs(): Promise<Availability<number | null>> {
    return { available: false, reason: `${NO_CLOUDWATCH}, and its stream mappings do not report their lag` };
  }

  async oldestMessageAgesMs(queueNames: string[]): Promise<Map<string, Availability<number | null>>> {
    const response = await fetch(`${this.sqsEndpoint}/_local/queues`, {
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`${this.sqsEndpoint}/_local/queues answered ${response.status}`);
    const { queues } = (await response.json()) as {
      queues: Array<{ name: string; oldestSentTimestamp?: number }>;
    };
    const now = this.now().getTime();
    return new Map(
      queueNames.map((name) => {
        const sent = queues.find((q) => q.name === name)?.oldestSentTimestamp;
        return [name, { available: true, value: sent === undefined ? null : Math.max(0, now - sent) }];
      }),
    );
  }
}
