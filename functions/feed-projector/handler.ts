import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { dynamoDb } from '../../shared/adapters/clients/dynamodb';
import { DynamoFeedStore } from '../../shared/adapters/dynamodb/feed-store';
import { DynamoItemStore } from '../../shared/adapters/dynamodb/item-store';
import { DynamoTranslationStore } from '../../shared/adapters/dynamodb/translation-store';
import { requireEnv } from '../../shared/adapters/env';
import { logger, metrics, observedHandler } from '../../shared/adapters/observability';
import { projectStreamRecords } from './project-stream-records';

const itemsTableName = requireEnv('ITEMS_TABLE_NAME');
const feed = new DynamoFeedStore(dynamoDb, itemsTableName);
const items = new DynamoItemStore(dynamoDb, itemsTableName);
const translations = new DynamoTranslationStore(dynamoDb, itemsTableName);

/** Items table stream (new versions, releases, completed translations) -> the consumer feed. */
export const handler = observedHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>().handler((event) =>
  projectStreamRecords(event.Records, {
    feed,
    getVersion: (itemId, version) => items.getVersion(itemId, version),
    translationsOf: (itemId, version) => translations.translatedOf(itemId, version),
    logger,
    metrics,
  }),
);
