import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { fromVersionRecord } from '#shared/adapters/dynamodb/item-records.ts';
import {
  ITEM_PK_PREFIX,
  TRANSLATION_PK_PREFIX,
  TRANSLATION_SK_PREFIX,
  VERSION_SK_PREFIX,
} from '#shared/adapters/dynamodb/table-design.ts';
import { ANNOUNCED_AT, translationFromRecord } from '#shared/adapters/dynamodb/translation-records.ts';
import type { EventPublisher, PublishEntry } from '#shared/adapters/eventbridge/event-publisher.ts';
import type { Logger } from '#shared/adapters/logger.ts';
import { type Metrics, MetricUnit } from '#shared/adapters/metrics.ts';
import { type NewsItemEvent, toNewsItemEvent, toReleaseEvent } from '#shared/domain/events.ts';
import { type TranslatedEvent, toTranslatedEvent } from '#shared/domain/translation/event.ts';

/** What the outbox publishes: item events, and the announcements of translation outcomes. */
export type OutboxEvent = NewsItemEvent | TranslatedEvent;

export interface StreamPublisherDeps {
  publisher: Pick<EventPublisher, 'publish'>;
  logger: Logger;
  metrics: Metrics;
}

/**
 * The outbox rows of the items table (infra/constructs/outbox-publisher.ts filters the same way):
 * - version rows of item partitions: their INSERTs are item events, and so is the one MODIFY that
 *   releases a held version (it sets `releasedAt`). A `V#` row in any other partition is not;
 * - translation rows: the write that announces an outcome (sets `announcedAt`: with the outcome, or
 *   at the release of a held version) is its NewsItemTranslated. Nothing else they hold is an event.
 */
export function isOutboxRecord(record: DynamoDBRecord): boolean {
  const pk = record.dynamodb?.NewImage?.PK?.S;
  const sk = record.dynamodb?.NewImage?.SK?.S;
  if (pk?.startsWith(ITEM_PK_PREFIX) === true && sk?.startsWith(VERSION_SK_PREFIX) === true) {
    return record.eventName === 'INSERT' || isReleaseRecord(record);
  }
  return isAnnouncementRecord(record);
}

function isAnnouncementRecord(record: DynamoDBRecord): boolean {
  const image = record.dynamodb?.NewImage;
  return (
    image?.PK?.S?.startsWith(TRANSLATION_PK_PREFIX) === true &&
    image.SK?.S?.startsWith(TRANSLATION_SK_PREFIX) === true &&
    (record.eventName === 'INSERT' || record.eventName === 'MODIFY') &&
    image[ANNOUNCED_AT]?.S !== undefined &&
    record.dynamodb?.OldImage?.[ANNOUNCED_AT] === undefined
  );
}

function isReleaseRecord(record: DynamoDBRecord): boolean {
  return (
    record.eventName === 'MODIFY' &&
    record.dynamodb?.NewImage?.releasedAt?.S !== undefined &&
    record.dynamodb?.OldImage?.releasedAt === undefined
  );
}

/** The event of an outbox record (see isOutboxRecord). */
export function eventOf(record: DynamoDBRecord): OutboxEvent {
  // Lambda's image JSON matches the SDK's AttributeValue except binary (base64 text), which these rows lack.
  const image = unmarshall(record.dynamodb?.NewImage as Record<string, AttributeValue>);
  if (isAnnouncementRecord(record)) return toTranslatedEvent(translationFromRecord(image));
  const version = fromVersionRecord(image);
  if (!isReleaseRecord(record)) return toNewsItemEvent(version);
  return toReleaseEvent(version, version.releasedAt!);
}

/**
 * Turns one stream batch into events and puts them on the bus, 10 per PutEvents call.
 *
 * Powertools' BatchProcessor is not used: it hands records to a handler one at a time, which would
 * mean one PutEvents call per record; batching across records is the point of this function.
 *
 * Failure reporting follows the stream semantics of ReportBatchItemFailures: Lambda checkpoints
 * before the lowest reported sequence number and retries from there, so only the EARLIEST failed
 * record is reported. Records after it that did publish will be published again on the retry;
 * that is safe because their eventId is derived from (itemId, version) and subscribers deduplicate
 * on it. A record that cannot be decoded or mapped is reported the same way, never dropped: after
 * the mapping's retries it ends in the on-failure destination.
 */
export async function publishStreamRecords(
  records: DynamoDBRecord[],
  { publisher, logger, metrics }: StreamPublisherDeps,
): Promise<DynamoDBBatchResponse> {
  const failedIndexes: number[] = [];
  const events = new Map<string, { index: number; event: OutboxEvent }>();

  records.forEach((record, index) => {
    if (!isOutboxRecord(record)) {
      logger.debug('Skipping a stream record that is not a version insert, release or announcement', {
        eventName: record.eventName,
        sequenceNumber: record.dynamodb?.SequenceNumber,
      });
      return;
    }
    try {
      events.set(String(index), { index, event: eventOf(record) });
    } catch (error) {
      failedIndexes.push(index);
      logger.error('Outbox record cannot be turned into an event', {
        sequenceNumber: record.dynamodb?.SequenceNumber,
        keys: record.dynamodb?.Keys,
        error: error as Error,
      });
    }
  });

  const entries: PublishEntry[] = [...events].map(([id, { event }]) => ({
    id,
    source: event.source,
    detailType: event.detailType,
    detail: event.detail,
  }));
  const { failures } = entries.length > 0 ? await publisher.publish(entries) : { failures: [] };
  const failedIds = new Set(failures.map((f) => f.id));

  for (const failure of failures) {
    const { index, event } = events.get(failure.id)!;
    failedIndexes.push(index);
    logger.error('Event not published', {
      itemId: event.detail.itemId,
      version: event.detail.version,
      eventId: event.detail.eventId,
      detailType: event.detailType,
      sequenceNumber: records[index]?.dynamodb?.SequenceNumber,
      errorCode: failure.errorCode,
      errorMessage: failure.errorMessage,
    });
  }
  for (const [id, { event }] of events) {
    if (failedIds.has(id)) continue;
    logger.info('Event published', {
      itemId: event.detail.itemId,
      version: event.detail.version,
      eventId: event.detail.eventId,
      detailType: event.detailType,
    });
  }

  metrics.addMetric('EventsPublished', MetricUnit.Count, entries.length - failedIds.size);
  metrics.addMetric('EventsFailed', MetricUnit.Count, failedIndexes.length);

  if (failedIndexes.length === 0) return { batchItemFailures: [] };
  const earliest = records[Math.min(...failedIndexes)];
  const sequenceNumber = earliest?.dynamodb?.SequenceNumber;
  // Without a sequence number the record cannot be reported; failing the whole batch keeps it.
  if (sequenceNumber === undefined) throw new Error('Failed stream record has no SequenceNumber');
  return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
}
