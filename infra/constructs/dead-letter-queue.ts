import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { resourceName, type StageConfig } from '../config';

export interface DeadLetterQueueProps {
  readonly config: StageConfig;
  /** Physical name suffix, e.g. `outbox-dlq`: the queue is `diplowire-<stage>-<name>`. */
  readonly name: string;
  /** What a message here means and what to do about it (shown on the alarm). */
  readonly alarmDescription: string;
}

/**
 * Where something that could not be handled waits for an operator: an encrypted, TLS-only queue
 * that keeps messages 14 days, and an alarm as soon as one is there. Every asynchronous path of the
 * app ends in one of these, so nothing is dropped silently.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: Queue;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    const { config } = props;
    this.queue = new Queue(this, 'Resource', {
      queueName: resourceName(config.stage, props.name),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: config.removalPolicy,
    });
    this.alarm = new Alarm(this, 'NotEmptyAlarm', {
      alarmName: resourceName(config.stage, `${props.name}-not-empty`),
      alarmDescription: props.alarmDescription,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // Every DLQ is a stack output named DeadLetterQueue<Name>: `npm run ops -- dlq` finds them all there.
    new CfnOutput(Stack.of(this), deadLetterQueueOutputId(props.name), {
      value: this.queue.queueUrl,
      description: `Dead-letter queue ${resourceName(config.stage, props.name)} (npm run ops -- dlq).`,
    });
  }
}

/** Stack outputs whose id starts with this are dead-letter queue URLs (docs/operations.md). */
export const DEAD_LETTER_QUEUE_OUTPUT_PREFIX = 'DeadLetterQueue';

/** `outbox-dlq` -> `DeadLetterQueueOutboxDlq`: unique per stack, as DLQ names are. */
export function deadLetterQueueOutputId(name: string): string {
  const pascal = name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
  return `${DEAD_LETTER_QUEUE_OUTPUT_PREFIX}${pascal}`;
}
