import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import {
  type DlqDestinationConfig,
  EventSourceMapping,
  FilterCriteria,
  FilterRule,
  type IEventSourceDlq,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  ITEM_PK_PREFIX,
  TRANSLATION_PK_PREFIX,
  TRANSLATION_SK_PREFIX,
  VERSION_SK_PREFIX,
} from '#shared/adapters/dynamodb/table-design.ts';
import { ANNOUNCED_AT } from '#shared/adapters/dynamodb/translation-records.ts';
import { EMBARGOED_EVENT_SOURCE, EVENT_SOURCE } from '#shared/contracts/events/index.ts';
import { resourceName, type StageConfig } from '../config';
import { DeadLetterQueue } from './dead-letter-queue';
import type { DiplowireFunction } from './diplowire-function';

/**
 * The version changes of the items stream: a new version (INSERT), and the release of a held one
 * (`releasedAt` newly set). The outbox publishes them; the feed projector numbers them.
 */
export const VERSION_CHANGE_FILTERS = [
  FilterCriteria.filter({
    eventName: FilterRule.isEqual('INSERT'),
    dynamodb: {
      Keys: {
        PK: { S: FilterRule.beginsWith(ITEM_PK_PREFIX) },
        SK: { S: FilterRule.beginsWith(VERSION_SK_PREFIX) },
      },
    },
  }),
  FilterCriteria.filter({
    eventName: FilterRule.isEqual('MODIFY'),
    dynamodb: {
      Keys: {
        PK: { S: FilterRule.beginsWith(ITEM_PK_PREFIX) },
        SK: { S: FilterRule.beginsWith(VERSION_SK_PREFIX) },
      },
      NewImage: { releasedAt: { S: FilterRule.exists() } },
      // exists/notExists match leaves only (Lambda event filtering): name the S of releasedAt.
      OldImage: { releasedAt: { S: FilterRule.notExists() } },
    },
  }),
];

/**
 * The announcement of a translation outcome: the write that sets `announcedAt` on a translation row
 * (with the outcome, or at the release of a held version). Always a MODIFY: the row exists from
 * the claim on; an INSERT carrying it is matched too, so no announcement can slip past the filter.
 */
export const TRANSLATION_ANNOUNCED_FILTERS = (['INSERT', 'MODIFY'] as const).map((eventName) =>
  FilterCriteria.filter({
    eventName: FilterRule.isEqual(eventName),
    dynamodb: {
      Keys: {
        PK: { S: FilterRule.beginsWith(TRANSLATION_PK_PREFIX) },
        SK: { S: FilterRule.beginsWith(TRANSLATION_SK_PREFIX) },
      },
      NewImage: { [ANNOUNCED_AT]: { S: FilterRule.exists() } },
      ...(eventName === 'MODIFY' ? { OldImage: { [ANNOUNCED_AT]: { S: FilterRule.notExists() } } } : {}),
    },
  }),
);

/**
 * An on-failure destination that grants nothing by itself (SqsDlq would also add
 * GetQueueAttributes/GetQueueUrl): the publisher's role gets exactly sqs:SendMessage below.
 */
export class QueueFailureDestination implements IEventSourceDlq {
  constructor(private readonly queue: Queue) {}
  bind(): DlqDestinationConfig {
    return { destination: this.queue.queueArn };
  }
}

/**
 * Records older than this are given up on: their shard/sequence pointer goes to the DLQ instead of
 * being retried further. Half the stream's 24-hour retention: long enough to ride out an
 * EventBridge or publisher incident, and it leaves 12 hours in which the records behind a DLQ
 * pointer can still be read from the stream (a record that reached 24 h would be trimmed
 * with no trace). Version rows are immutable, so they can always be re-published from the table.
 */
export const MAX_RECORD_AGE = Duration.hours(12);

export interface OutboxPublisherProps {
  readonly config: StageConfig;
  readonly publisher: DiplowireFunction;
  readonly itemsTable: ITable;
  readonly eventBus: IEventBus;
}

/**
 * The transactional outbox relay: version rows INSERTed into the items table (and translation
 * outcomes announced there) are read from its stream (in order per item: one batch at a time per shard) and published to the bus. Batches that
 * keep failing are bisected down to the poison record, whose pointer lands in an encrypted DLQ
 * watched by an alarm.
 */
export class OutboxPublisher extends Construct {
  readonly mapping: EventSourceMapping;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;
  readonly iteratorAgeAlarm: Alarm;

  constructor(scope: Construct, id: string, props: OutboxPublisherProps) {
    super(scope, id);
    const { config, publisher, itemsTable, eventBus } = props;
    const streamArn = itemsTable.tableStreamArn;
    if (!streamArn) throw new Error('The items table must have a stream: it is the outbox.');

    const dlq = new DeadLetterQueue(this, 'DeadLetterQueue', {
      config,
      name: 'outbox-dlq',
      alarmDescription:
        'Stream records could not be published to EventBridge after all retries. Inspect the DLQ messages ' +
        '(they point at stream shard/sequence ranges) and re-publish from the items table. See docs/operations.md.',
    });
    this.deadLetterQueue = dlq.queue;
    this.deadLetterAlarm = dlq.alarm;

    // Item and translation events only (public ones, and NewsItemEmbargoed under its internal
    // source): the publisher can put nothing on the bus under another source.
    publisher.allow(['events:PutEvents'], [eventBus.eventBusArn], {
      StringEquals: { 'events:source': [EVENT_SOURCE, EMBARGOED_EVENT_SOURCE] },
    });
    publisher.allow(
      ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      [streamArn],
    );
    // The stream mapping needs ListStreams too, and it has no resource-level permissions (Service
    // Authorization Reference): granted on the stream ARN it would grant nothing.
    publisher.allow(['dynamodb:ListStreams'], ['*']);
    publisher.allow(['sqs:SendMessage'], [this.deadLetterQueue.queueArn]);

    this.mapping = new EventSourceMapping(this, 'StreamMapping', {
      target: publisher.function,
      eventSourceArn: streamArn,
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      // No batching window: a second on every breaking story buys almost nothing at a news wire's
      // rates, and under load batches fill by themselves (one batch per shard at a time, so the next
      // one takes everything that arrived meanwhile). Figures in docs/operations.md ("Latency").
      maxBatchingWindow: Duration.seconds(0),
      bisectBatchOnError: true,
      retryAttempts: 10,
      maxRecordAge: MAX_RECORD_AGE,
      // One concurrent batch per shard keeps each item's versions in order.
      parallelizationFactor: 1,
      reportBatchItemFailures: true,
      // Only the outbox rows: new versions of items, the update that releases a held version (it
      // sets releasedAt) and the write that announces a translation (it sets announcedAt). Other
      // updates (a held version superseded, a translation claimed), TTL deletes and deletes are not events.
      filters: [...VERSION_CHANGE_FILTERS, ...TRANSLATION_ANNOUNCED_FILTERS],
      onFailure: new QueueFailureDestination(this.deadLetterQueue),
    });
    // The mapping is validated against the role at creation: create it after the role's policy.
    this.mapping.node.addDependency(publisher.role);

    this.iteratorAgeAlarm = new Alarm(this, 'IteratorAgeAlarm', {
      alarmName: resourceName(config.stage, 'outbox-lagging'),
      alarmDescription:
        'The outbox publisher is more than 5 minutes behind the items table stream: events are delayed. ' +
        'Check the publisher errors and EventBridge throttling. See docs/operations.md.',
      metric: publisher.function.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: Duration.minutes(5).toMilliseconds(),
      evaluationPeriods: 5,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
