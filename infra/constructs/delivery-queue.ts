import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { resourceName, type StageConfig } from '../config';
import { DeadLetterQueue } from './dead-letter-queue';

/**
 * Six times the dispatcher's 60 s timeout (AWS's guidance for SQS event sources, which leaves room
 * for the poller's own retries), so a message is never handed to a second worker while the first
 * still holds it.
 */
export const DELIVERY_VISIBILITY_TIMEOUT = Duration.seconds(360);

/** Receives before a message is given up on: storage or queue faults, not failed HTTP attempts (those are re-enqueued). */
export const DELIVERY_MAX_RECEIVE_COUNT = 5;

export interface DeliveryQueueProps {
  readonly config: StageConfig;
}

/**
 * The webhook deliveries queue: one message per attempt to make (fan-out and redelivery enqueue the
 * first, the dispatcher the retries with a delay), so pending retries survive restarts and deploys.
 * A message whose processing keeps failing moves to an encrypted dead-letter queue watched by an alarm.
 */
export class DeliveryQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: DeliveryQueueProps) {
    super(scope, id);
    const { config } = props;
    const dlq = new DeadLetterQueue(this, 'DeadLetterQueue', {
      config,
      name: 'webhook-deliveries-dlq',
      alarmDescription:
        'Webhook delivery messages failed processing 5 times (storage or queue faults, not receiver errors). ' +
        'Fix the cause, then redrive the DLQ to the deliveries queue. See docs/operations.md.',
    });
    this.deadLetterQueue = dlq.queue;
    this.deadLetterAlarm = dlq.alarm;
    this.queue = new Queue(this, 'Queue', {
      queueName: resourceName(config.stage, 'webhook-deliveries'),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: DELIVERY_VISIBILITY_TIMEOUT,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: DELIVERY_MAX_RECEIVE_COUNT },
      removalPolicy: config.removalPolicy,
    });
  }
}
