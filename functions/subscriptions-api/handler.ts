import { dynamoDb } from '#shared/adapters/clients/dynamodb.ts';
import { loadSqs } from '#shared/adapters/clients/sqs-lazy.ts';
import { DynamoDeliveryStore } from '#shared/adapters/dynamodb/delivery-store.ts';
import { DynamoSubscriptionStore } from '#shared/adapters/dynamodb/subscription-store.ts';
import { requireEnv } from '#shared/adapters/env.ts';
import {
  type HttpEvent,
  httpHandler,
  json,
  jsonBody,
  pathParam,
  type RouteHandlers,
} from '#shared/adapters/http/index.ts';
import { MetricUnit } from '#shared/adapters/metrics.ts';
import { logger, metrics } from '#shared/adapters/observability.ts';
import { rotationWindowSecondsFromEnv, urlPolicyFromEnv } from '#shared/adapters/webhooks/config.ts';
import { SqsDeliveryQueue } from '#shared/adapters/webhooks/delivery-queue.ts';
import { DnsHostVerifier } from '#shared/adapters/webhooks/host-verifier.ts';
import { SUBSCRIPTION_BODY } from '#shared/domain/webhooks/registration.ts';
import { SubscriptionsService } from '#shared/domain/webhooks/subscriptions-service.ts';
import { deliveryList, deliveryView, subscriptionList, subscriptionPath, subscriptionView } from './views';

const tableName = requireEnv('WEBHOOKS_TABLE_NAME');
const queueUrl = requireEnv('DELIVERY_QUEUE_URL');
const policy = urlPolicyFromEnv();
const service = new SubscriptionsService({
  subscriptions: new DynamoSubscriptionStore(dynamoDb, tableName),
  deliveries: new DynamoDeliveryStore(dynamoDb, tableName),
  // SQS is loaded on the first redelivery, the only route that sends.
  queue: new SqsDeliveryQueue(loadSqs, queueUrl),
  hosts: new DnsHostVerifier(policy),
  policy,
  rotationWindowSeconds: rotationWindowSecondsFromEnv(),
});

const query = (event: HttpEvent) => ({
  limit: event.queryStringParameters?.limit,
  cursor: event.queryStringParameters?.cursor,
});
const count = (name: string) => metrics.addMetric(name, MetricUnit.Count, 1);

/** The subscriptions API. The partner always comes from the authorizer; other partners' ids are 404. */
export const routes = {
  'POST /v1/subscriptions': async (event, caller) => {
    const { subscription, secret } = await service.create(caller, jsonBody(event, SUBSCRIPTION_BODY));
    count('SubscriptionCreated');
    return json(
      201,
      { ...subscriptionView(subscription), secret },
      {
        Location: subscriptionPath(subscription.subscriptionId),
        'cache-control': 'no-store',
      },
    );
  },
  'GET /v1/subscriptions': async (event, caller) => {
    count('SubscriptionRead');
    return json(200, subscriptionList(await service.list(caller.partnerId, query(event))));
  },
  'GET /v1/subscriptions/{id}': async (event, caller) => {
    count('SubscriptionRead');
    return json(200, subscriptionView(await service.get(caller.partnerId, pathParam(event, 'id'))));
  },
  'DELETE /v1/subscriptions/{id}': async (event, caller) => {
    await service.delete(caller.partnerId, pathParam(event, 'id'));
    count('SubscriptionDeleted');
    return { statusCode: 204, headers: {}, body: '' };
  },
  'POST /v1/subscriptions/{id}/rotate-secret': async (event, caller) => {
    const id = pathParam(event, 'id');
    const rotated = await service.rotateSecret(caller.partnerId, id);
    count('SubscriptionSecretRotated');
    return json(200, { id, ...rotated }, { 'cache-control': 'no-store' });
  },
  'GET /v1/subscriptions/{id}/deliveries': async (event, caller) => {
    count('DeliveriesRead');
    return json(
      200,
      deliveryList(await service.listDeliveries(caller.partnerId, pathParam(event, 'id'), query(event))),
    );
  },
  'POST /v1/subscriptions/{id}/deliveries/{deliveryId}/redeliver': async (event, caller) => {
    const delivery = await service.redeliver(
      caller.partnerId,
      pathParam(event, 'id'),
      pathParam(event, 'deliveryId'),
    );
    count('RedeliveryQueued');
    return json(202, deliveryView(delivery));
  },
} satisfies RouteHandlers;

export const handler = httpHandler(routes, { logger, metrics });
