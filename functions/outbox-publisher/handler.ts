import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { eventBridge } from '#shared/adapters/clients/eventbridge.ts';
import { requireEnv } from '#shared/adapters/env.ts';
import { EventPublisher } from '#shared/adapters/eventbridge/event-publisher.ts';
import { logger, metrics, observedHandler } from '#shared/adapters/observability.ts';
import { publishStreamRecords } from './publish-stream-records';

const eventBusName = requireEnv('EVENT_BUS_NAME');
const publisher = new EventPublisher(eventBridge, eventBusName);

/** Items table stream (new versions, releases, announced translations) -> EventBridge, with partial batch responses. */
export const handler = observedHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>().handler((event) =>
  publishStreamRecords(event.Records, { publisher, logger, metrics }),
);
