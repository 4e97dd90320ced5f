import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventSourceMapping, FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { resourceName, type StageConfig } from '../config';
import { DeadLetterQueue } from './dead-letter-queue';
import type { DiplowireFunction } from './diplowire-function';
import { MAX_RECORD_AGE, QueueFailureDestination, VERSION_CHANGE_FILTERS } from './outbox-publisher';

export interface FeedProjectorProps {
  readonly config: StageConfig;
  readonly projector: DiplowireFunction;
  readonly itemsTable: ITable;
}

/**
 * The feed's own reader of the items table stream (a second consumer next to the outbox): new
 * versions, releases of held versions and completed translations are numbered into the feed. No batching window, so a change
 * reaches long-polling consumers within the stream's polling delay; one batch per shard at a time
 * keeps each item's versions in order.
 */
export class FeedProjector extends Construct {
  readonly projector: DiplowireFunction;
  readonly mapping: EventSourceMapping;
  readonly deadLetterQueue: Queue;
  readonly iteratorAgeAlarm: Alarm;

  constructor(scope: Construct, id: string, props: FeedProjectorProps) {
    super(scope, id);
    const { config, projector, itemsTable } = props;
    this.projector = projector;
    const streamArn = itemsTable.tableStreamArn;
    if (!streamArn) throw new Error('The items table must have a stream: the feed is projected from it.');

    const dlq = new DeadLetterQueue(this, 'DeadLetterQueue', {
      config,
      name: 'feed-dlq',
      alarmDescription:
        'Stream records could not be recorded in the consumer feed after all retries. The DLQ messages point at ' +
        'stream shard/sequence ranges; see docs/operations.md.',
    });
    this.deadLetterQueue = dlq.queue;

    // Feed rows and markers (a transaction of two Puts), the head Query, and a version read for translations.
    projector.allow(
      ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem', 'dynamodb:Query', 'dynamodb:GetItem'],
      [itemsTable.tableArn],
    );
    projector.allow(
      ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      [streamArn],
    );
    // ListStreams has no resource-level permissions: granted on the stream ARN it would grant nothing.
    projector.allow(['dynamodb:ListStreams'], ['*']);
    projector.allow(['sqs:SendMessage'], [this.deadLetterQueue.queueArn]);

    this.mapping = new EventSourceMapping(this, 'StreamMapping', {
      target: projector.function,
      eventSourceArn: streamArn,
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      bisectBatchOnError: true,
      retryAttempts: 10,
      maxRecordAge: MAX_RECORD_AGE,
      parallelizationFactor: 1,
      reportBatchItemFailures: true,
      filters: [
        ...VERSION_CHANGE_FILTERS,
        FilterCriteria.filter({
          dynamodb: {
            Keys: { SK: { S: FilterRule.beginsWith('TR#') } },
            NewImage: { status: { S: FilterRule.isEqual('translated') } },
          },
        }),
      ],
      onFailure: new QueueFailureDestination(this.deadLetterQueue),
    });
    this.mapping.node.addDependency(projector.role);

    this.iteratorAgeAlarm = new Alarm(this, 'IteratorAgeAlarm', {
      alarmName: resourceName(config.stage, 'feed-lagging'),
      alarmDescription:
        'The feed projector is more than 1 minute behind the items table stream: consumers see changes late.',
      metric: projector.function.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: Duration.minutes(1).toMilliseconds(),
      evaluationPeriods: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
