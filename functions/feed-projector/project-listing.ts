import type { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { fromVersionRecord, MalformedRecordError } from '#shared/adapters/dynamodb/item-records.ts';
import { ITEM_PK_PREFIX, VERSION_SK_PREFIX } from '#shared/adapters/dynamodb/table-design.ts';
import { type ItemListing, listingOf } from '#shared/domain/listing.ts';
import type { ItemListingWriter } from '#shared/domain/ports.ts';

export interface ListingProjectorDeps {
  listings: ItemListingWriter;
  logger: Pick<Logger, 'error' | 'debug'>;
}

/**
 * The listing row a stream record stands for: a new version (INSERT) or the release of a held one
 * (the MODIFY that sets releasedAt) of an item partition; undefined for anything else.
 */
export function listingOfStreamRecord(record: DynamoDBRecord): ItemListing | undefined {
  const keys = record.dynamodb?.Keys;
  if (!keys?.PK?.S?.startsWith(ITEM_PK_PREFIX) || !keys.SK?.S?.startsWith(VERSION_SK_PREFIX))
    return undefined;
  const image = record.dynamodb?.NewImage;
  if (image === undefined || (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY'))
    return undefined;
  // Lambda's image JSON matches the SDK's AttributeValue except binary, which these rows lack.
  const row = unmarshall(image as Record<string, AttributeValue>);
  if (record.eventName === 'MODIFY') {
    const before = record.dynamodb?.OldImage?.releasedAt;
    if (row.releasedAt === undefined || before !== undefined) return undefined;
  }
  const createdAt = row.itemCreatedAt;
  if (typeof createdAt !== 'string')
    throw new MalformedRecordError('ItemVersion', 'itemCreatedAt is missing');
  return listingOf(fromVersionRecord(row), createdAt);
}

/**
 * Keeps each item's listing row (GET /v1/items) at its latest change, in stream order. Writes are
 * idempotent and never move a row back (a replayed older record is refused by the store), so a
 * retry from a failed record is always safe.
 */
export async function projectListing(
  records: DynamoDBRecord[],
  deps: ListingProjectorDeps,
): Promise<DynamoDBBatchResponse> {
  for (const record of records) {
    try {
      const listing = listingOfStreamRecord(record);
      if (listing === undefined) continue;
      const stored = await deps.listings.put(listing);
      deps.logger.debug('Listing', { itemId: listing.itemId, version: listing.version, stored });
    } catch (error) {
      const sequenceNumber = record.dynamodb?.SequenceNumber;
      deps.logger.error('Item listing not updated', {
        sequenceNumber,
        keys: record.dynamodb?.Keys,
        error: error as Error,
      });
      if (sequenceNumber === undefined) throw error;
      return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
    }
  }
  return { batchItemFailures: [] };
}

/**
 * The listing projection of the records the feed projection completed (`fed`: its outcome), as one
 * batch outcome: a retry resumes from the earliest record either failed on, and both projections
 * are idempotent, so what came before it is done in both.
 */
export async function projectListingAfterFeed(
  records: DynamoDBRecord[],
  fed: DynamoDBBatchResponse,
  deps: ListingProjectorDeps,
): Promise<DynamoDBBatchResponse> {
  const failedAt = fed.batchItemFailures[0]?.itemIdentifier;
  const upTo = records.findIndex((r) => r.dynamodb?.SequenceNumber === failedAt);
  const listed = await projectListing(upTo < 0 ? records : records.slice(0, upTo), deps);
  return listed.batchItemFailures.length > 0 ? listed : fed;
}
