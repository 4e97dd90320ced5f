import { Aws, Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  type DlqDestinationConfig,
  EventSourceMapping,
  FilterCriteria,
  FilterRule,
  type IEventSourceDlq,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HELD_BY_RELEASE_TIME, VERSION_SK_PREFIX } from '../../shared/adapters/dynamodb/table-design';
import { resourceName, type StageConfig } from '../config';
import { DeadLetterQueue } from './dead-letter-queue';
import { DiplowireFunction } from './diplowire-function';
import { MAX_RECORD_AGE } from './outbox-publisher';

export interface EmbargoReleaseProps {
  readonly config: StageConfig;
  readonly itemsTable: ITable;
  /** `functions/<name>/handler.ts` of the two functions. */
  readonly entries: { release: string; schedules: string };
}

/** A stream on-failure destination granting nothing by itself (the role gets sqs:SendMessage below). */
class QueueFailureDestination implements IEventSourceDlq {
  constructor(private readonly queue: Queue) {}
  bind(): DlqDestinationConfig {
    return { destination: this.queue.queueArn };
  }
}

/**
 * Embargo release on AWS (docs/operations.md#embargoes):
 * - `embargo-schedules` reads the items stream (held versions inserted, superseded or released)
 *   and keeps ONE EventBridge Scheduler one-time schedule per held item in a group of its own;
 * - each schedule invokes `embargo-release` at the embargo time through a role that may do nothing
 *   else, with retries and a DLQ;
 * - a rule `rate(1 minute)` invokes the same function to sweep anything overdue (the backstop).
 */
/** Concurrent releases; docs/operations.md, "Concurrency", has the account arithmetic. */
export const RELEASER_RESERVED_CONCURRENCY = 5;

export class EmbargoRelease extends Construct {
  readonly releaser: DiplowireFunction;
  readonly scheduleManager: DiplowireFunction;
  readonly scheduleGroup: CfnScheduleGroup;
  readonly schedulerRole: Role;
  readonly deadLetterQueue: Queue;
  readonly streamDeadLetterQueue: Queue;
  readonly sweepRule: Rule;
  readonly mapping: EventSourceMapping;

  constructor(scope: Construct, id: string, props: EmbargoReleaseProps) {
    super(scope, id);
    const { config, itemsTable } = props;
    const streamArn = itemsTable.tableStreamArn;
    if (!streamArn) throw new Error('The items table must have a stream.');

    this.deadLetterQueue = new DeadLetterQueue(this, 'ReleaseDeadLetterQueue', {
      config,
      name: 'release-dlq',
      alarmDescription:
        'A release trigger (schedule or sweep) failed after all retries. The sweeper retries overdue items every ' +
        'minute; if this repeats, check the embargo-release function errors. See docs/operations.md.',
    }).queue;

    this.releaser = new DiplowireFunction(this, 'Releaser', {
      config,
      name: 'embargo-release',
      description: 'Releases held items at their embargo time (schedule target) and sweeps overdue ones.',
      entry: props.entries.release,
      memorySize: 256,
      // A schedule may fire up to a minute early (60-second precision): the function waits for the time.
      timeout: Duration.seconds(90),
      environment: { ITEMS_TABLE_NAME: itemsTable.tableName },
      deadLetterQueue: this.deadLetterQueue,
      // Many embargoes end on the same second (a press conference): releases wait for capacity
      // (Scheduler and the sweep retry throttles) instead of taking the API's share of the account.
      reservedConcurrency: RELEASER_RESERVED_CONCURRENCY,
    });
    // Head reads (Query), the conditional release (UpdateItem), the overdue index (Query).
    this.releaser.allow(['dynamodb:Query', 'dynamodb:UpdateItem'], [itemsTable.tableArn]);
    this.releaser.allow(['dynamodb:Query'], [`${itemsTable.tableArn}/index/${HELD_BY_RELEASE_TIME}`]);

    const groupName = resourceName(config.stage, 'releases');
    this.scheduleGroup = new CfnScheduleGroup(this, 'ScheduleGroup', { name: groupName });

    this.schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler: invokes embargo-release for the release schedules, nothing else.',
    });
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.releaser.function.functionArn],
      }),
    );
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
    );

    this.sweepRule = new Rule(this, 'SweepRule', {
      ruleName: resourceName(config.stage, 'release-sweep'),
      description: 'Backstop: releases held items whose embargo time passed (a late or lost schedule).',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [
        new LambdaFunction(this.releaser.function, {
          retryAttempts: 2,
          // The next sweep comes a minute later anyway.
          maxEventAge: Duration.minutes(2),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });

    this.streamDeadLetterQueue = new DeadLetterQueue(this, 'SchedulesDeadLetterQueue', {
      config,
      name: 'release-schedules-dlq',
      alarmDescription:
        'Release schedules could not be kept in step with held items (stream records given up on). The sweeper ' +
        'still releases them within a minute of their time. See docs/operations.md.',
    }).queue;

    this.scheduleManager = new DiplowireFunction(this, 'ScheduleManager', {
      config,
      name: 'embargo-schedules',
      description:
        'Items stream (held versions) -> one EventBridge Scheduler release schedule per held item.',
      entry: props.entries.schedules,
      memorySize: 256,
      timeout: Duration.seconds(60),
      environment: {
        ITEMS_TABLE_NAME: itemsTable.tableName,
        RELEASE_SCHEDULE_GROUP: groupName,
        RELEASE_FUNCTION_ARN: this.releaser.function.functionArn,
        RELEASE_SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
        RELEASE_DLQ_ARN: this.deadLetterQueue.queueArn,
      },
    });
    this.scheduleManager.allow(['dynamodb:Query'], [itemsTable.tableArn]);
    this.scheduleManager.allow(
      ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      [streamArn],
    );
    // As for the outbox: ListStreams has no resource-level permissions (on a stream ARN it grants nothing).
    this.scheduleManager.allow(['dynamodb:ListStreams'], ['*']);
    this.scheduleManager.allow(
      ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
      [`arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule/${groupName}/release-*`],
    );
    this.scheduleManager.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    this.scheduleManager.allow(['sqs:SendMessage'], [this.streamDeadLetterQueue.queueArn]);

    const heldRow = { Keys: { SK: { S: FilterRule.beginsWith(VERSION_SK_PREFIX) } } };
    this.mapping = new EventSourceMapping(this, 'StreamMapping', {
      target: this.scheduleManager.function,
      eventSourceArn: streamArn,
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      bisectBatchOnError: true,
      retryAttempts: 10,
      maxRecordAge: MAX_RECORD_AGE,
      parallelizationFactor: 1,
      filters: [
        // A held version accepted...
        FilterCriteria.filter({
          eventName: FilterRule.isEqual('INSERT'),
          dynamodb: { ...heldRow, NewImage: { holdKind: { S: FilterRule.exists() } } },
        }),
        // ...or superseded or released.
        FilterCriteria.filter({
          eventName: FilterRule.isEqual('MODIFY'),
          dynamodb: { ...heldRow, OldImage: { holdKind: { S: FilterRule.exists() } } },
        }),
      ],
      onFailure: new QueueFailureDestination(this.streamDeadLetterQueue),
    });
    this.mapping.node.addDependency(this.scheduleManager.role);
  }
}
