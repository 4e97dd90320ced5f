import type { EventBridgeEvent } from 'aws-lambda';
import { dynamoDb } from '#shared/adapters/clients/dynamodb.ts';
import { scheduler } from '#shared/adapters/clients/scheduler.ts';
import { DynamoItemReader } from '#shared/adapters/dynamodb/item-store.ts';
import { requireEnv } from '#shared/adapters/env.ts';
import { MetricUnit } from '#shared/adapters/metrics.ts';
import { logger, metrics, observedHandler } from '#shared/adapters/observability.ts';
import { ReleaseSchedules } from '#shared/adapters/scheduler/release-schedules.ts';
import { type ItemEventRef, reconcileSchedule } from './reconcile';

const store = new DynamoItemReader(dynamoDb, requireEnv('ITEMS_TABLE_NAME'));
const schedules = new ReleaseSchedules(scheduler, {
  groupName: requireEnv('RELEASE_SCHEDULE_GROUP'),
  targetArn: requireEnv('RELEASE_FUNCTION_ARN'),
  roleArn: requireEnv('RELEASE_SCHEDULER_ROLE_ARN'),
  deadLetterArn: requireEnv('RELEASE_DLQ_ARN'),
});

/** The item an event is about; anything else is a wiring error (thrown: the event goes to the DLQ). */
function refOf(event: EventBridgeEvent<string, unknown>): ItemEventRef {
  const detail = (event.detail ?? {}) as { itemId?: unknown; version?: unknown };
  if (typeof detail.itemId !== 'string' || !Number.isSafeInteger(detail.version)) {
    throw new Error(`${event['detail-type']} without itemId and version`);
  }
  return { detailType: event['detail-type'], itemId: detail.itemId, version: detail.version as number };
}

/**
 * Item events on the bus (NewsItemEmbargoed; public events of versions that follow an embargoed
 * one) -> the item's one release schedule. Driven by the bus, not the items stream: the stream
 * keeps its two readers (outbox, feed), docs/operations.md#embargoes-scheduled-release.
 */
export const handler = observedHandler<EventBridgeEvent<string, unknown>, void>().handler(async (event) => {
  const outcome = await reconcileSchedule(refOf(event), { store, schedules, logger });
  if (outcome !== 'unchanged') metrics.addMetric('ReleaseSchedulesReconciled', MetricUnit.Count, 1);
});
