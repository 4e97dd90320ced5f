import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { dynamoDb } from '../../shared/adapters/clients/dynamodb';
import { scheduler } from '../../shared/adapters/clients/scheduler';
import { DynamoItemReader } from '../../shared/adapters/dynamodb/item-store';
import { requireEnv } from '../../shared/adapters/env';
import { logger, metrics, observedHandler } from '../../shared/adapters/observability';
import { ReleaseSchedules } from '../../shared/adapters/scheduler/release-schedules';
import { reconcileSchedules } from './reconcile';

const store = new DynamoItemReader(dynamoDb, requireEnv('ITEMS_TABLE_NAME'));
const schedules = new ReleaseSchedules(scheduler, {
  groupName: requireEnv('RELEASE_SCHEDULE_GROUP'),
  targetArn: requireEnv('RELEASE_FUNCTION_ARN'),
  roleArn: requireEnv('RELEASE_SCHEDULER_ROLE_ARN'),
  deadLetterArn: requireEnv('RELEASE_DLQ_ARN'),
});

/** Items table stream (held versions inserted, held versions superseded or released) -> their release schedules. */
export const handler = observedHandler<DynamoDBStreamEvent, void>().handler(async (event) => {
  const reconciled = await reconcileSchedules(event.Records, { store, schedules, logger });
  metrics.addMetric('ReleaseSchedulesReconciled', MetricUnit.Count, reconciled);
});
