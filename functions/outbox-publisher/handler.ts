import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { eventBridge } from '../../shared/adapters/clients/eventbridge';
import { requireEnv } from '../../shared/adapters/env';
import { EventPublisher } from '../../shared/adapters/eventbridge/event-publisher';
import { publishStreamRecords } from './publish-stream-records';

const eventBusName = requireEnv('EVENT_BUS_NAME');
const logger = new Logger();
const metrics = new Metrics({ logger });
const publisher = new EventPublisher(eventBridge, eventBusName);

/** DynamoDB stream (version-row INSERTs of the items table) -> EventBridge, with partial batch responses. */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .handler((event) => publishStreamRecords(event.Records, { publisher, logger, metrics }));
