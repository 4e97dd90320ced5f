import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { fromVersionRecord, MalformedRecordError } from '#shared/adapters/dynamodb/item-records.ts';
import { ITEM_PK_PREFIX, VERSION_SK_PREFIX } from '#shared/adapters/dynamodb/table-design.ts';
import type { Logger } from '#shared/adapters/logger.ts';
import { mapInOrder } from '#shared/domain/concurrency.ts';
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

/** Items whose listing rows are written at once. */
const LISTING_CONCURRENCY = 8;

/**
 * Keeps each item's listing row (GET /v1/items) at its latest change. Only an item's last change
 * in the batch is written (the row holds the latest state), the items in parallel. Writes are
 * idempotent and never move a row back (a replayed older record is refused by the store), so a
 * retry from the earliest failed record is always safe: everything before it is listed or is
 * superseded by a later record that the retry writes.
 */
export async function projectListing(
  records: DynamoDBRecord[],
  deps: ListingProjectorDeps,
): Promise<DynamoDBBatchResponse> {
  const latest = new Map<string, { index: number; listing: ItemListing }>();
  for (const [index, record] of records.entries()) {
    let listing: ItemListing | undefined;
    try {
      listing = listingOfStreamRecord(record);
    } catch (error) {
      return listingFailure(record, error, deps);
    }
    if (listing !== undefined) latest.set(listing.itemId, { index, listing });
  }
  const writes = [...latest.values()];
  const outcomes = await mapInOrder(writes, LISTING_CONCURRENCY, async ({ listing }) => {
    const stored = await deps.listings.put(listing);
    deps.logger.debug('Listing', { itemId: listing.itemId, version: listing.version, stored });
  });
  let earliest: { index: number; error: unknown } | undefined;
  outcomes.forEach((outcome, n) => {
    const { index } = writes[n]!;
    if (!outcome.ok && (earliest === undefined || index < earliest.index))
      earliest = { index, error: outcome.error };
  });
  return earliest === undefined
    ? { batchItemFailures: [] }
    : listingFailure(records[earliest.index]!, earliest.error, deps);
}

function listingFailure(
  record: DynamoDBRecord,
  error: unknown,
  deps: ListingProjectorDeps,
): DynamoDBBatchResponse {
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  deps.logger.error('Item listing not updated', {
    sequenceNumber,
    keys: record.dynamodb?.Keys,
    error: error as Error,
  });
  if (sequenceNumber === undefined) throw error;
  return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
}

/**
 * One batch outcome for projections that ran side by side over the same records: a retry resumes
 * from the earliest record any of them failed on. Both projections are idempotent, so what came
 * before it is done in all of them, and what one did past it is done again harmlessly.
 */
export function earliestFailure(
  records: DynamoDBRecord[],
  outcomes: DynamoDBBatchResponse[],
): DynamoDBBatchResponse {
  const positions = outcomes.flatMap((outcome) =>
    outcome.batchItemFailures.map(({ itemIdentifier }) =>
      records.findIndex((record) => record.dynamodb?.SequenceNumber === itemIdentifier),
    ),
  );
  const known = positions.filter((position) => position >= 0);
  if (positions.length === 0) return { batchItemFailures: [] };
  // An identifier not in the batch cannot be resumed from: retry the whole batch.
  const from = known.length === positions.length ? Math.min(...known) : 0;
  return { batchItemFailures: [{ itemIdentifier: records[from]!.dynamodb!.SequenceNumber! }] };
}
