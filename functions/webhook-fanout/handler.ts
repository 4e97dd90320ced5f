import type { EventBridgeEvent } from 'aws-lambda';
import { dynamoDb } from '#shared/adapters/clients/dynamodb.ts';
import { sqs } from '#shared/adapters/clients/sqs.ts';
import { DynamoDeliveryStore } from '#shared/adapters/dynamodb/delivery-store.ts';
import { DynamoPartnerStatus } from '#shared/adapters/dynamodb/partner-status.ts';
import { DynamoSubscriptionStore } from '#shared/adapters/dynamodb/subscription-store.ts';
import { requireEnv } from '#shared/adapters/env.ts';
import { MetricUnit } from '#shared/adapters/metrics.ts';
import { logger, metrics, observedHandler } from '#shared/adapters/observability.ts';
import { SqsDeliveryQueue } from '#shared/adapters/webhooks/delivery-queue.ts';
import { fanOut, toWebhookEvent } from '#shared/domain/webhooks/fanout.ts';

const webhooksTable = requireEnv('WEBHOOKS_TABLE_NAME');
const subscriptions = new DynamoSubscriptionStore(dynamoDb, webhooksTable);
const deliveries = new DynamoDeliveryStore(dynamoDb, webhooksTable);
// Built at init like the other clients: every fan-out with a match sends.
const queue = new SqsDeliveryQueue(sqs, requireEnv('DELIVERY_QUEUE_URL'));
const partners = new DynamoPartnerStatus(dynamoDb, requireEnv('PARTNERS_TABLE_NAME'));

/**
 * EventBridge rule target for the item events and NewsItemTranslated: one delivery per matching
 * subscription. Not built on defineSubscriber, which validates each detail against its full contract:
 * the fan-out needs only eventId, partnerId, language and places and checks those itself. Errors
 * are rethrown: the target's retry policy and DLQ take over, and a retried event creates no duplicates.
 */
async function handle(event: EventBridgeEvent<string, unknown>): Promise<void> {
  const webhookEvent = toWebhookEvent(event);
  logger.appendKeys({ detailType: webhookEvent.eventType, eventId: webhookEvent.eventId });
  const result = await fanOut(webhookEvent, { subscriptions, deliveries, queue, partners });
  metrics.addMetric('WebhookDeliveriesCreated', MetricUnit.Count, result.created);
  if (result.refused > 0) metrics.addMetric('WebhookMatchesRefused', MetricUnit.Count, result.refused);
  logger.info('Fanned out', { ...result });
}

export const handler = observedHandler<EventBridgeEvent<string, unknown>, void>().handler(handle);
