import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dynamoDb } from '#shared/adapters/clients/dynamodb.ts';
import { loadSqs } from '#shared/adapters/clients/sqs-lazy.ts';
import { DynamoDeliveryStore } from '#shared/adapters/dynamodb/delivery-store.ts';
import { DynamoPartnerStatus } from '#shared/adapters/dynamodb/partner-status.ts';
import { DynamoSendPacer } from '#shared/adapters/dynamodb/send-pacer.ts';
import { DynamoSubscriptionStore } from '#shared/adapters/dynamodb/subscription-store.ts';
import { requireEnv } from '#shared/adapters/env.ts';
import { MetricUnit } from '#shared/adapters/metrics.ts';
import { logger, metrics, observedHandler } from '#shared/adapters/observability.ts';
import {
  disableAfterSecondsFromEnv,
  retryScheduleFromEnv,
  urlPolicyFromEnv,
} from '#shared/adapters/webhooks/config.ts';
import { parseDeliveryMessage, SqsDeliveryQueue } from '#shared/adapters/webhooks/delivery-queue.ts';
import { HttpWebhookSender, SEND_TIMEOUT_MS } from '#shared/adapters/webhooks/http-sender.ts';
import { Dispatcher } from '#shared/domain/webhooks/dispatcher.ts';

const webhooksTable = requireEnv('WEBHOOKS_TABLE_NAME');
const dispatcher = new Dispatcher({
  subscriptions: new DynamoSubscriptionStore(dynamoDb, webhooksTable),
  deliveries: new DynamoDeliveryStore(dynamoDb, webhooksTable),
  // SQS is loaded on the first retry, pace or wait: a delivery that succeeds first time never sends.
  queue: new SqsDeliveryQueue(loadSqs, requireEnv('DELIVERY_QUEUE_URL')),
  pacer: new DynamoSendPacer(dynamoDb, webhooksTable),
  partners: new DynamoPartnerStatus(dynamoDb, requireEnv('PARTNERS_TABLE_NAME')),
  sender: new HttpWebhookSender({ allowLoopback: urlPolicyFromEnv().allowLoopback }),
  retrySchedule: retryScheduleFromEnv(),
  disableAfterSeconds: disableAfterSecondsFromEnv(),
  leaseMs: SEND_TIMEOUT_MS + 15_000,
});

const OUTCOME_METRICS: Record<string, string> = {
  succeeded: 'WebhookDelivered',
  retrying: 'WebhookAttemptFailed',
  failed: 'WebhookDeliveryFailed',
  gone: 'WebhookEndpointGone',
  refused: 'WebhookPartnerRevoked',
  paced: 'WebhookDeliveryPaced',
};

/**
 * Deliveries queue consumer (ReportBatchItemFailures). Messages are processed concurrently; one
 * whose storage or queue call failed is reported and retried by SQS (the attempt itself is never
 * repeated: the claim and the recorded attempt make the retry a no-op or a repair). An unreadable
 * message is logged and dropped: retrying cannot fix it.
 */
async function handle(event: SQSEvent): Promise<SQSBatchResponse> {
  const results = await Promise.allSettled(
    event.Records.map(async (record) => {
      const message = parseDeliveryMessage(record.body);
      if (message === undefined) {
        logger.error('Unreadable delivery message dropped', { messageId: record.messageId });
        return;
      }
      const outcome = await dispatcher.dispatch(message);
      logger.info('Delivery message handled', { ...message, outcome });
      const metric = OUTCOME_METRICS[outcome];
      if (metric) metrics.addMetric(metric, MetricUnit.Count, 1);
    }),
  );
  const batchItemFailures = results.flatMap((result, index) => {
    if (result.status === 'fulfilled') return [];
    logger.error('Delivery message failed; SQS will retry it', { error: result.reason as Error });
    return [{ itemIdentifier: event.Records[index]!.messageId }];
  });
  return { batchItemFailures };
}

export const handler = observedHandler<SQSEvent, SQSBatchResponse>().handler(handle);
