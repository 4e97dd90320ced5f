import { Aws, Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Match, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HELD_BY_RELEASE_TIME } from '#shared/adapters/dynamodb/table-design.ts';
import { EMBARGOED_EVENT_SOURCE, EVENT_SOURCE, NEWS_ITEM_EMBARGOED } from '#shared/contracts/events/names.ts';
import { resourceName, type StageConfig } from '../config';
import { DeadLetterQueue } from './dead-letter-queue';
import { DiplowireFunction } from './diplowire-function';

export interface EmbargoReleaseProps {
  readonly config: StageConfig;
  readonly itemsTable: ITable;
  readonly eventBus: IEventBus;
  /** `functions/<name>/handler.ts` of the two functions. */
  readonly entries: { release: string; schedules: string };
}

/**
 * Reserved concurrency (docs/operations.md, "Concurrency"): both are invoked asynchronously (the
 * schedules, the sweep rule, the bus), so they are bounded like every subscriber. The trigger that
 * takes a burst's lease releases every item due (10 writes at a time) and the others are a read and
 * at most one write each, so 4 are plenty; more environments would only add cold starts. Schedules
 * change only when an embargo does.
 */
export const EMBARGO_CONCURRENCY = { releaserReserved: 4, schedulesReserved: 1 } as const;

/**
 * Embargo release on AWS (docs/operations.md#embargoes):
 * - `embargo-schedules` follows the bus (NewsItemEmbargoed, and public events of versions after the
 *   first) and keeps ONE EventBridge Scheduler one-time schedule per held item in a group of its
 *   own; the items stream keeps its two readers (outbox, feed: DynamoDB Streams throttles beyond two);
 * - each schedule invokes `embargo-release` at the embargo time through a role that may do nothing
 *   else, with retries and a DLQ;
 * - a rule `rate(1 minute)` invokes the same function to sweep anything overdue (the backstop).
 */
export class EmbargoRelease extends Construct {
  readonly releaser: DiplowireFunction;
  readonly scheduleManager: DiplowireFunction;
  readonly scheduleGroup: CfnScheduleGroup;
  readonly schedulerRole: Role;
  readonly deadLetterQueue: Queue;
  readonly schedulesDeadLetterQueue: Queue;
  readonly sweepRule: Rule;
  readonly scheduleRules: Rule[];

  constructor(scope: Construct, id: string, props: EmbargoReleaseProps) {
    super(scope, id);
    const { config, itemsTable } = props;

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
      // A schedule fires up to two minutes early (release-schedule.ts): the function waits for the
      // time, then releases a burst (500 writes at most).
      timeout: Duration.seconds(180),
      environment: { ITEMS_TABLE_NAME: itemsTable.tableName },
      deadLetterQueue: this.deadLetterQueue,
      reservedConcurrency: EMBARGO_CONCURRENCY.releaserReserved,
    });
    // Head reads (Query), the conditional release and the burst lease (UpdateItem), the overdue index (Query).
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

    this.schedulesDeadLetterQueue = new DeadLetterQueue(this, 'SchedulesDeadLetterQueue', {
      config,
      name: 'release-schedules-dlq',
      alarmDescription:
        'Release schedules could not be kept in step with held items (bus events given up on). The sweeper ' +
        'still releases them within a minute of their time. See docs/operations.md.',
    }).queue;

    this.scheduleManager = new DiplowireFunction(this, 'ScheduleManager', {
      config,
      name: 'embargo-schedules',
      description:
        'Bus events of held versions (and of versions that follow one) -> one EventBridge Scheduler release schedule per held item.',
      entry: props.entries.schedules,
      memorySize: 256,
      timeout: Duration.seconds(60),
      reservedConcurrency: EMBARGO_CONCURRENCY.schedulesReserved,
      environment: {
        ITEMS_TABLE_NAME: itemsTable.tableName,
        RELEASE_SCHEDULE_GROUP: groupName,
        RELEASE_FUNCTION_ARN: this.releaser.function.functionArn,
        RELEASE_SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
        RELEASE_DLQ_ARN: this.deadLetterQueue.queueArn,
      },
      deadLetterQueue: this.schedulesDeadLetterQueue,
    });
    // Head reads (Query) and the version before a public one (GetItem): nothing else of the table.
    this.scheduleManager.allow(['dynamodb:Query', 'dynamodb:GetItem'], [itemsTable.tableArn]);
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
    // Driven by the bus, not the items stream (which keeps two readers: the outbox and the feed).
    const target = new LambdaFunction(this.scheduleManager.function, {
      retryAttempts: 8,
      maxEventAge: Duration.hours(24),
      deadLetterQueue: this.schedulesDeadLetterQueue,
    });
    this.scheduleRules = [
      new Rule(this, 'HeldVersionsRule', {
        ruleName: resourceName(config.stage, 'release-schedules-held'),
        description: 'Held versions (NewsItemEmbargoed) -> their release schedule.',
        eventBus: props.eventBus,
        eventPattern: { source: [EMBARGOED_EVENT_SOURCE], detailType: [NEWS_ITEM_EMBARGOED] },
        targets: [target],
      }),
      new Rule(this, 'FollowingVersionsRule', {
        ruleName: resourceName(config.stage, 'release-schedules-following'),
        description:
          'Public events of versions after the first (a lift, or a release followed by more) -> the release schedule.',
        eventBus: props.eventBus,
        eventPattern: {
          source: [EVENT_SOURCE],
          detailType: ['NewsItemPublished', 'NewsItemCorrected', 'NewsItemRetracted'],
          detail: { version: Match.greaterThan(1) },
        },
        targets: [target],
      }),
    ];
  }
}
