import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { dynamoDb } from '../../shared/adapters/clients/dynamodb';
import { DynamoFeedStore } from '../../shared/adapters/dynamodb/feed-store';
import { DynamoItemStore } from '../../shared/adapters/dynamodb/item-store';
import { DynamoTranslationStore } from '../../shared/adapters/dynamodb/translation-store';
import { requireEnv } from '../../shared/adapters/env';
import { projectStreamRecords } from './project-stream-records';

const itemsTableName = requireEnv('ITEMS_TABLE_NAME');
const logger = new Logger();
const metrics = new Metrics({ logger });
const feed = new DynamoFeedStore(dynamoDb, itemsTableName);
const items = new DynamoItemStore(dynamoDb, itemsTableName);
const translations = new DynamoTranslationStore(dynamoDb, itemsTableName);

/** Items table stream (new versions, releases, completed translations) -> the consumer feed. */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .handler((event) =>
    projectStreamRecords(event.Records, {
      feed,
      getVersion: (itemId, version) => items.getVersion(itemId, version),
      translationsOf: (itemId, version) => translations.translatedOf(itemId, version),
      logger,
      metrics,
    }),
  );
