import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { dynamoDb } from '#shared/adapters/clients/dynamodb.ts';
import { DynamoFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { DynamoItemListingStore } from '#shared/adapters/dynamodb/item-listing-store.ts';
import { DynamoItemReader } from '#shared/adapters/dynamodb/item-store.ts';
import { DynamoTranslationStore } from '#shared/adapters/dynamodb/translation-store.ts';
import { requireEnv } from '#shared/adapters/env.ts';
import { logger, metrics, observedHandler } from '#shared/adapters/observability.ts';
import { earliestFailure, projectListing } from './project-listing';
import { projectStreamRecords } from './project-stream-records';

const itemsTableName = requireEnv('ITEMS_TABLE_NAME');
const feed = new DynamoFeedStore(dynamoDb, itemsTableName);
const items = new DynamoItemReader(dynamoDb, itemsTableName);
const listings = new DynamoItemListingStore(dynamoDb, itemsTableName);
const translations = new DynamoTranslationStore(dynamoDb, itemsTableName);

/**
 * Items table stream (new versions, releases, completed translations) -> the consumer feed and the
 * owners' item listing, side by side. Both projections are idempotent, so the batch resumes from
 * the earliest record either failed on: the records before it are done in both.
 */
export const handler = observedHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>().handler(async (event) =>
  earliestFailure(
    event.Records,
    // Side by side: the feed (what consumers wait for) never waits behind the listing rows.
    await Promise.all([
      projectStreamRecords(event.Records, {
        feed,
        getVersion: (itemId, version) => items.getVersion(itemId, version),
        translationsOf: (itemId, version) => translations.translatedOf(itemId, version),
        logger,
        metrics,
      }),
      projectListing(event.Records, { listings, logger }),
    ]),
  ),
);
