import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { dynamoDb } from '../../shared/adapters/clients/dynamodb';
import { scheduler } from '../../shared/adapters/clients/scheduler';
import { DynamoItemReader } from '../../shared/adapters/dynamodb/item-store';
import { requireEnv } from '../../shared/adapters/env';
import { ReleaseSchedules } from '../../shared/adapters/scheduler/release-schedules';
import { reconcileSchedules } from './reconcile';

const logger = new Logger();
const store = new DynamoItemReader(dynamoDb, requireEnv('ITEMS_TABLE_NAME'));
const schedules = new ReleaseSchedules(scheduler, {
  groupName: requireEnv('RELEASE_SCHEDULE_GROUP'),
  targetArn: requireEnv('RELEASE_FUNCTION_ARN'),
  roleArn: requireEnv('RELEASE_SCHEDULER_ROLE_ARN'),
  deadLetterArn: requireEnv('RELEASE_DLQ_ARN'),
});

/** Items table stream (held versions inserted, held versions superseded or released) -> their release schedules. */
export const handler = middy<DynamoDBStreamEvent, void, Error, Context>()
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .handler((event) => reconcileSchedules(event.Records, { store, schedules, logger }));
