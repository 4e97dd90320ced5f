import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { fromVersionRecord } from '#shared/adapters/dynamodb/item-records.ts';
import { VERSION_SK_PREFIX } from '#shared/adapters/dynamodb/table-design.ts';
import type { Logger } from '#shared/adapters/logger.ts';
import { type Metrics, MetricUnit } from '#shared/adapters/metrics.ts';
import { mapInOrder } from '#shared/domain/concurrency.ts';
import type { NewFeedRecord } from '#shared/domain/feed/model.ts';
import {
  feedRecordOfRelease,
  feedRecordOfTranslation,
  feedRecordOfVersion,
} from '#shared/domain/feed/records.ts';
import type { ItemVersion } from '#shared/domain/item.ts';

export interface FeedProjectorDeps {
  /** Records changes in order (numbers, or undefined for one already recorded); see DynamoFeedStore. */
  feed: { appendAll(records: readonly NewFeedRecord[]): Promise<(number | undefined)[]> };
  getVersion(itemId: string, version: number): Promise<ItemVersion | undefined>;
  /** The completed (`translated`) translations of one version: announced with its release. */
  translationsOf(itemId: string, version: number): Promise<{ language: string; translatedAt: string }[]>;
  logger: Logger;
  metrics: Metrics;
}

const TRANSLATION_SK_PREFIX = 'TR#';

type Image = Record<string, AttributeValue>;

function imageOf(
  record: DynamoDBRecord,
  which: 'NewImage' | 'OldImage',
): Record<string, unknown> | undefined {
  // Lambda's image JSON matches the SDK's AttributeValue except binary, which these rows lack.
  const image = record.dynamodb?.[which] as Image | undefined;
  return image === undefined ? undefined : unmarshall(image);
}

/** The feed records a stream record stands for (none when it is not a feed change). */
async function feedRecordsOf(record: DynamoDBRecord, deps: FeedProjectorDeps): Promise<NewFeedRecord[]> {
  const sk = record.dynamodb?.Keys?.SK?.S ?? '';
  if (record.eventName === 'INSERT' && sk.startsWith(VERSION_SK_PREFIX)) {
    return [feedRecordOfVersion(fromVersionRecord(imageOf(record, 'NewImage')))];
  }
  if (record.eventName === 'MODIFY' && sk.startsWith(VERSION_SK_PREFIX)) {
    const version = fromVersionRecord(imageOf(record, 'NewImage'));
    const releasedBefore = imageOf(record, 'OldImage')?.releasedAt !== undefined;
    if (version.releasedAt === undefined || releasedBefore) return [];
    // The release, then the translations made during the embargo (held until now). A translation
    // completed after this read finds the version released and is recorded on its own.
    const released = { ...version, releasedAt: version.releasedAt };
    const translations = await deps.translationsOf(version.itemId, version.version);
    return [
      feedRecordOfRelease(released),
      ...translations.flatMap((translation) => feedRecordOfTranslation(released, translation) ?? []),
    ];
  }
  if (sk.startsWith(TRANSLATION_SK_PREFIX) && record.eventName !== 'REMOVE') {
    const now = imageOf(record, 'NewImage');
    const before = imageOf(record, 'OldImage');
    // A translation enters the feed when its outcome is recorded as translated (not on later bookkeeping).
    if (now?.status !== 'translated' || before?.status === 'translated') return [];
    const itemId = String(now.itemId);
    const version = Number(now.version);
    const translated = await deps.getVersion(itemId, version);
    if (!translated) throw new Error(`Translation of ${itemId} v${version} has no version row`);
    const change = feedRecordOfTranslation(translated, {
      language: String(now.language),
      translatedAt: String(now.translatedAt),
    });
    return change === undefined ? [] : [change];
  }
  return [];
}

/** Stream records whose feed changes are worked out at once (each costs at most a read or two). */
const LOOKUP_CONCURRENCY = 8;

/**
 * Records the changes of a stream batch in the feed, in stream order (the versions of an item share
 * a shard, so they get increasing sequence numbers), appended a transaction of many at a time. If
 * working out a record's changes fails, the changes before it are recorded and that record is
 * reported: Lambda retries from it. If the append fails, the batch is reported from its first
 * change; changes recorded before are recognised by their eventId marker and not recorded twice.
 */
export async function projectStreamRecords(
  records: DynamoDBRecord[],
  deps: FeedProjectorDeps,
): Promise<DynamoDBBatchResponse> {
  const { logger, metrics } = deps;
  const changes = await mapInOrder(records, LOOKUP_CONCURRENCY, (record) => feedRecordsOf(record, deps));
  const failedAt = changes.findIndex((outcome) => !outcome.ok);
  const done = failedAt === -1 ? changes.length : failedAt;
  const toRecord = changes
    .slice(0, done)
    .flatMap((outcome, index) =>
      outcome.ok ? outcome.value.map((change) => ({ change, record: records[index]! })) : [],
    );
  let recorded = 0;
  try {
    const numbers = await deps.feed.appendAll(toRecord.map(({ change }) => change));
    numbers.forEach((seq, n) => {
      if (seq !== undefined) recorded++;
      const { change } = toRecord[n]!;
      logger.debug('Feed change', {
        eventId: change.eventId,
        type: change.type,
        seq: seq ?? 'already recorded',
      });
    });
  } catch (error) {
    return failure(toRecord[0]?.record ?? records[0]!, error, deps, recorded);
  }
  if (failedAt !== -1) {
    const outcome = changes[failedAt]!;
    return failure(records[failedAt]!, outcome.ok ? undefined : outcome.error, deps, recorded);
  }
  metrics.addMetric('FeedEntriesRecorded', MetricUnit.Count, recorded);
  return { batchItemFailures: [] };
}

function failure(
  record: DynamoDBRecord,
  error: unknown,
  { logger, metrics }: FeedProjectorDeps,
  recorded: number,
): DynamoDBBatchResponse {
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  logger.error('Change not recorded in the feed', {
    sequenceNumber,
    keys: record.dynamodb?.Keys,
    error: error as Error,
  });
  metrics.addMetric('FeedEntriesRecorded', MetricUnit.Count, recorded);
  metrics.addMetric('FeedRecordFailed', MetricUnit.Count, 1);
  if (sequenceNumber === undefined) throw error;
  return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
}
