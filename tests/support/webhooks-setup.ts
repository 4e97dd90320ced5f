/**
 * The webhooks integration tests' shared set-up (tables, the local SQS queue, a receiver, the
 * subscriptions API handler) and helpers. Importing it registers the hooks in the importing file.
 */
import type { LookupFunction } from 'node:net';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import type { LocalSqs } from '#local/sqs/index.ts';
import { DynamoDeliveryStore } from '#shared/adapters/dynamodb/delivery-store.ts';
import { DynamoPartnerStatus } from '#shared/adapters/dynamodb/partner-status.ts';
import { DynamoPartnerStore } from '#shared/adapters/dynamodb/partner-store.ts';
import { DynamoSendPacer } from '#shared/adapters/dynamodb/send-pacer.ts';
import { DynamoSubscriptionStore } from '#shared/adapters/dynamodb/subscription-store.ts';
import { parseDeliveryMessage, type SqsDeliveryQueue } from '#shared/adapters/webhooks/delivery-queue.ts';
import { HttpWebhookSender } from '#shared/adapters/webhooks/http-sender.ts';
import { newId } from '#shared/domain/ids.ts';
import { type DeliveryMessage, Dispatcher, toWebhookEvent } from '#shared/domain/webhooks/index.ts';
import { httpEvent, lambdaContext, partnerContext } from './api-events';
import { startDeliveryQueue } from './delivery-queue';
import { localDynamoClient, uniqueTableName } from './dynamodb';
import { createPartnersTable, createWebhooksTable } from './tables';
import { WebhookReceiver } from './webhook-receiver';

export const A = newId('ptn');
export const B = newId('ptn');
export const SCOPES = 'items:read webhooks:manage';
export let table: string;
export let sqsServer: LocalSqs;
export let sqs: SQSClient;
export let queueUrl: string;
export let subscriptions: DynamoSubscriptionStore;
export let deliveries: DynamoDeliveryStore;
export let documents: DynamoDBDocumentClient;
export let queue: SqsDeliveryQueue;
export let receiver: WebhookReceiver;
export let partnerStore: DynamoPartnerStore;
export let partnersTable: string;
/** The real partner status check fan-out and dispatch use (a fresh one sees revocations at once). */
export let partners: DynamoPartnerStatus;
export let pacer: DynamoSendPacer;
export const freshPartnerStatus = () => new DynamoPartnerStatus(localDynamoClient(), partnersTable);

/** A partner profile (with one key) in the partners table, as `partners -- create` writes it. */
export async function activePartner(partnerId: string): Promise<string> {
  const createdAt = new Date().toISOString();
  const keyHash = crypto.randomUUID().replaceAll('-', '').padEnd(64, '0');
  await partnerStore.createPartner(
    { partnerId, name: partnerId, status: 'active', createdAt },
    {
      keyHash,
      keyPrefix: `dwk_${keyHash.slice(0, 8)}`,
      partnerId,
      partnerName: partnerId,
      scopes: SCOPES.split(' '),
      status: 'active',
      createdAt,
    },
  );
  return partnerId;
}
export let api: typeof import('#functions/subscriptions-api/handler.ts');

/** Rewrites a subscription's stored URL behind the API's back (what DNS rebinding amounts to). */
export async function setStoredUrl(subscriptionId: string, url: string): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: table,
      Key: { PK: `SUB#${subscriptionId}`, SK: 'SUB' },
      UpdateExpression: 'SET #url = :url',
      ExpressionAttributeNames: { '#url': 'url' },
      ExpressionAttributeValues: { ':url': url },
    }),
  );
}

beforeAll(async () => {
  const dynamo = localDynamoClient();
  table = await createWebhooksTable(dynamo, uniqueTableName('webhooks'));
  documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  subscriptions = new DynamoSubscriptionStore(dynamo, table);
  pacer = new DynamoSendPacer(dynamo, table);
  deliveries = new DynamoDeliveryStore(dynamo, table);
  partnersTable = await createPartnersTable(dynamo, uniqueTableName('partners'));
  partnerStore = new DynamoPartnerStore(dynamo, partnersTable);
  partners = freshPartnerStatus();
  await Promise.all([activePartner(A), activePartner(B)]);
  ({ server: sqsServer, sqs, queueUrl, queue } = await startDeliveryQueue());
  receiver = await new WebhookReceiver().start();
  Object.assign(process.env, {
    WEBHOOKS_TABLE_NAME: table,
    DELIVERY_QUEUE_URL: queueUrl,
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
    AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    WEBHOOKS_ALLOW_LOOPBACK: 'true',
    WEBHOOKS_REQUIRE_HTTPS: 'false',
    POWERTOOLS_METRICS_NAMESPACE: 'Diplowire',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  api = await import('#functions/subscriptions-api/handler.ts');
}, 60_000);

afterAll(async () => {
  await receiver?.stop();
  sqs?.destroy();
  await sqsServer?.close();
});

export async function call(
  routeKey: string,
  partnerId: string,
  init: { pathParameters?: Record<string, string>; body?: unknown; scopes?: string } = {},
) {
  const event = httpEvent({
    routeKey,
    ...(init.pathParameters && { pathParameters: init.pathParameters }),
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    headers: { 'content-type': 'application/json' },
    authorizer: partnerContext(partnerId, init.scopes ?? SCOPES),
  });
  const response = await api.handler(event, lambdaContext());
  return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
}

/** Every message visible on the shared queue now (other tests leave theirs there), received once. */
export async function drain(): Promise<ReturnType<typeof parseDeliveryMessage>[]> {
  const received: ReturnType<typeof parseDeliveryMessage>[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    if (Messages.length === 0) return received;
    received.push(...Messages.map((m) => parseDeliveryMessage(m.Body!)));
  }
}

export const itemEvent = (partnerId: string, eventId = crypto.randomUUID()) =>
  toWebhookEvent({
    'detail-type': 'NewsItemPublished',
    time: new Date().toISOString(),
    detail: {
      schemaVersion: '1',
      eventId,
      partnerId,
      itemId: newId('itm'),
      language: 'ar',
      places: ['KW'],
      headline: 'h',
    },
  });

export function dispatcher(
  options: {
    allowLoopback?: boolean;
    lookup?: LookupFunction;
    timeoutMs?: number;
    schedule?: number[];
    disableAfterSeconds?: number;
    now?: () => Date;
    random?: () => number;
  } = {},
) {
  return new Dispatcher({
    subscriptions,
    deliveries,
    queue,
    partners,
    pacer,
    sender: new HttpWebhookSender({
      allowLoopback: options.allowLoopback ?? true,
      timeoutMs: options.timeoutMs ?? 3000,
      ...(options.lookup && { lookup: options.lookup }),
    }),
    retrySchedule: options.schedule ?? [0, 1, 1],
    disableAfterSeconds: options.disableAfterSeconds ?? 3600,
    leaseMs: 10_000,
    ...(options.now && { now: options.now }),
    ...(options.random && { random: options.random }),
  });
}

export async function subscribe(partnerId: string, url = receiver.url) {
  const created = await call('POST /v1/subscriptions', partnerId, {
    body: { url, eventTypes: ['NewsItemPublished'], filter: { languages: ['ar'] } },
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; secret: string };
}

export function manualClock() {
  // Whole seconds, so an HTTP-date Retry-After computed from it is exact.
  let at = Math.floor(Date.now() / 1000) * 1000;
  return {
    now: () => new Date(at),
    ms: () => at,
    iso: (offsetSeconds = 0) => new Date(at + offsetSeconds * 1000).toISOString(),
    advance: (seconds: number) => {
      at += seconds * 1000;
    },
  };
}

export interface QueuedAttempt {
  message: DeliveryMessage;
  /** The DelaySeconds the message was sent with, as the local SQS applied it. */
  delaySeconds: number;
  visibleAt: number;
}

/** The delivery's messages on the deliveries queue, as the local SQS reports them (in or out of flight). */
export async function queuedAttempts(deliveryId: string): Promise<QueuedAttempt[]> {
  const response = await fetch(`${sqsServer.endpoint}/_local/queues/deliveries`);
  const { messages } = (await response.json()) as {
    messages: { body: string; sentTimestamp: number; visibleAt: number; receiveCount: number }[];
  };
  return messages.flatMap((m) => {
    const message = parseDeliveryMessage(m.body);
    if (message?.deliveryId !== deliveryId) return [];
    // Never-received messages still carry their send delay: visibleAt = sent + DelaySeconds.
    return [{ message, delaySeconds: (m.visibleAt - m.sentTimestamp) / 1000, visibleAt: m.visibleAt }];
  });
}

/** The queued message for one attempt (the dispatcher is driven directly; no waiting on SQS delays). */
export async function queuedAttempt(deliveryId: string, attempt: number): Promise<QueuedAttempt> {
  const found = (await queuedAttempts(deliveryId)).filter((q) => q.message.attempt === attempt);
  expect(found, `messages for attempt ${attempt} of ${deliveryId}`).toHaveLength(1);
  return found[0]!;
}
