import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { type EventPattern, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '#shared/contracts/events/names.ts';
import { resourceName, type StageConfig } from '../config';
import { DeadLetterQueue } from './dead-letter-queue';
import { DiplowireFunction, type DiplowireFunctionProps } from './diplowire-function';

export interface SubscriberProps
  extends Omit<DiplowireFunctionProps, 'config' | 'memorySize' | 'timeout' | 'reservedConcurrency'> {
  readonly config: StageConfig;
  /**
   * Required: every subscriber is bounded, so a burst of events (or a slow dependency) cannot take
   * the account's concurrency from the API. Throttled events wait in Lambda's asynchronous queue
   * and are retried for up to 6 hours, then land in the DLQ (docs/operations.md, "Concurrency").
   */
  readonly reservedConcurrency: number;
  readonly bus: IEventBus;
  /** The detail-types it reacts to. */
  readonly detailTypes: readonly string[];
  /**
   * The sources it reacts to (default: the public `diplowire.items`). Opting in to held versions
   * means naming `diplowire.items.embargoed` here and `NewsItemEmbargoed` in `detailTypes`.
   */
  readonly sources?: readonly string[];
  /** Extra matching on the event detail, e.g. `{ language: [{ 'anything-but': ['en'] }] }`. */
  readonly detail?: EventPattern['detail'];
  readonly memorySize?: number;
  readonly timeout?: Duration;
  /**
   * EventBridge's retries of handing the event to Lambda (throttled Invoke API, missing permission)
   * before it goes to the DLQ (default 8). A function error is retried by Lambda itself (twice).
   */
  readonly retryAttempts?: number;
  readonly maxEventAge?: Duration;
}

/**
 * A subscriber in a few lines: one function behind one rule on the Diplowire bus, with a
 * dead-letter queue that collects what could not be handled. Failed deliveries (EventBridge) and
 * failed asynchronous invocations (the function threw on every Lambda retry: its DeadLetterConfig) both land in it, so
 * nothing is dropped silently, and an alarm says when it is not empty. Grants are added by the
 * caller with `subscriber.fn.allow(...)`.
 */
export class Subscriber extends Construct {
  readonly fn: DiplowireFunction;
  readonly rule: Rule;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: SubscriberProps) {
    super(scope, id);
    const { config } = props;
    const dlq = new DeadLetterQueue(this, 'DeadLetterQueue', {
      config,
      name: `${props.name}-dlq`,
      alarmDescription: `Events ${props.name} could not handle (after EventBridge and Lambda retries) are waiting in its DLQ.`,
    });
    this.deadLetterQueue = dlq.queue;
    this.deadLetterAlarm = dlq.alarm;
    this.fn = new DiplowireFunction(this, 'Handler', {
      ...props,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(60),
      deadLetterQueue: this.deadLetterQueue,
    });
    this.rule = new Rule(this, 'Rule', {
      ruleName: resourceName(config.stage, props.name),
      description: `Diplowire ${props.detailTypes.join(', ')} -> ${props.name}`,
      eventBus: props.bus,
      eventPattern: {
        source: [...(props.sources ?? [EVENT_SOURCE])],
        detailType: [...props.detailTypes],
        ...(props.detail && { detail: props.detail }),
      },
      targets: [
        new LambdaFunction(this.fn.function, {
          retryAttempts: props.retryAttempts ?? 8,
          maxEventAge: props.maxEventAge ?? Duration.hours(24),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });
  }
}
