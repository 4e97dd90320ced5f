import type { LookupFunction } from 'node:net';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LocalSqs } from '../../local/sqs';
import { DynamoWebhookStore } from '../../shared/adapters/dynamodb/webhook-store';
import { parseDeliveryMessage, SqsDeliveryQueue } from '../../shared/adapters/webhooks/delivery-queue';
import { HttpWebhookSender } from '../../shared/adapters/webhooks/http-sender';
import { newId } from '../../shared/domain/ids';
import { Dispatcher, fanOut, toWebhookEvent } from '../../shared/domain/webhooks';
import { httpEvent, lambdaContext, partnerContext } from '../support/api-events';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createWebhooksTable } from '../support/tables';
import { WebhookReceiver } from '../support/webhook-receiver';

const A = newId('ptn');
const B = newId('ptn');
const SCOPES = 'items:read webhooks:manage';
let table: string;
let sqsServer: LocalSqs;
let sqs: SQSClient;
let queueUrl: string;
let store: DynamoWebhookStore;
let documents: DynamoDBDocumentClient;
let queue: SqsDeliveryQueue;
let receiver: WebhookReceiver;
let api: typeof import('../../functions/subscriptions-api/handler');

/** Rewrites a subscription's stored URL behind the API's back (what DNS rebinding amounts to). */
async function setStoredUrl(subscriptionId: string, url: string): Promise<void> {
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
  store = new DynamoWebhookStore(documents, table);
  sqsServer = new LocalSqs({
    queues: [{ name: 'deliveries' }],
    region: 'us-east-1',
    accountId: '000000000000',
    log: () => {},
  });
  const endpoint = await sqsServer.listen(0);
  sqs = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'deliveries' }))).QueueUrl!;
  queue = new SqsDeliveryQueue(sqs, queueUrl);
  receiver = await new WebhookReceiver().start();
  Object.assign(process.env, {
    WEBHOOKS_TABLE_NAME: table,
    DELIVERY_QUEUE_URL: queueUrl,
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
    AWS_ENDPOINT_URL_SQS: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    WEBHOOKS_ALLOW_LOOPBACK: 'true',
    WEBHOOKS_REQUIRE_HTTPS: 'false',
    POWERTOOLS_METRICS_NAMESPACE: 'Diplowire',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  api = await import('../../functions/subscriptions-api/handler');
}, 60_000);

afterAll(async () => {
  await receiver?.stop();
  sqs?.destroy();
  await sqsServer?.close();
});

async function call(
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

async function drain(): Promise<ReturnType<typeof parseDeliveryMessage>[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
  );
  return Messages.map((m) => parseDeliveryMessage(m.Body!));
}

const itemEvent = (partnerId: string, eventId = crypto.randomUUID()) =>
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

function dispatcher(
  options: { allowLoopback?: boolean; lookup?: LookupFunction; timeoutMs?: number; schedule?: number[] } = {},
) {
  return new Dispatcher({
    store,
    queue,
    sender: new HttpWebhookSender({
      allowLoopback: options.allowLoopback ?? true,
      timeoutMs: options.timeoutMs ?? 3000,
      ...(options.lookup && { lookup: options.lookup }),
    }),
    retrySchedule: options.schedule ?? [0, 1, 1],
    disableAfterSeconds: 3600,
    leaseMs: 10_000,
  });
}

async function subscribe(partnerId: string, url = receiver.url) {
  const created = await call('POST /v1/subscriptions', partnerId, {
    body: { url, eventTypes: ['NewsItemPublished'], filter: { languages: ['ar'] } },
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; secret: string };
}

describe('subscriptions API', () => {
  it('creates, shows the secret once, lists, rotates and deletes; other partners get 404 everywhere', async () => {
    const sub = await subscribe(A);
    expect(sub.secret).toMatch(/^whsec_/);
    const got = await call('GET /v1/subscriptions/{id}', A, { pathParameters: { id: sub.id } });
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty('secret');
    expect(got.body.filter.partners).toEqual([A]);
    const list = await call('GET /v1/subscriptions', A);
    expect(list.body.subscriptions.map((s: { id: string }) => s.id)).toContain(sub.id);
    expect(JSON.stringify(list.body)).not.toContain(sub.secret);

    for (const [routeKey, params] of [
      ['GET /v1/subscriptions/{id}', { id: sub.id }],
      ['DELETE /v1/subscriptions/{id}', { id: sub.id }],
      ['POST /v1/subscriptions/{id}/rotate-secret', { id: sub.id }],
      ['GET /v1/subscriptions/{id}/deliveries', { id: sub.id }],
      [
        'POST /v1/subscriptions/{id}/deliveries/{deliveryId}/redeliver',
        { id: sub.id, deliveryId: `msg_${'0'.repeat(32)}` },
      ],
    ] as const) {
      expect((await call(routeKey, B, { pathParameters: params })).status, routeKey).toBe(404);
    }
    expect((await call('GET /v1/subscriptions', B)).body.subscriptions).toEqual([]);

    const rotated = await call('POST /v1/subscriptions/{id}/rotate-secret', A, {
      pathParameters: { id: sub.id },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(sub.secret);
    expect((await store.getSubscriptionWithSecrets(sub.id))!.secrets).toHaveLength(2);

    expect((await call('DELETE /v1/subscriptions/{id}', A, { pathParameters: { id: sub.id } })).status).toBe(
      204,
    );
    expect((await call('GET /v1/subscriptions/{id}', A, { pathParameters: { id: sub.id } })).status).toBe(
      404,
    );
  });

  it('refuses bad input with pointers, and other partners without events:all', async () => {
    const bad = await call('POST /v1/subscriptions', A, {
      body: { url: 'http://10.0.0.1/x', eventTypes: ['Nope'], filter: { partners: [B] } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      '/eventTypes/0',
      '/filter/partners/0',
      '/url',
    ]);
    const noScope = await call('GET /v1/subscriptions', A, { scopes: 'items:read' });
    expect(noScope.status).toBe(403);
  });
});

describe('delivery', () => {
  it('fans out once per event (dedupe), delivers a signed webhook, retries 500 then 200 with the same webhook-id', async () => {
    const sub = await subscribe(A);
    receiver.verifyWith(sub.secret);
    const event = itemEvent(A);
    const first = await fanOut(event, { store, queue });
    const again = await fanOut(event, { store, queue });
    expect(first.created).toBe(1);
    expect(again).toMatchObject({ created: 0, duplicates: 1 });
    expect(await fanOut(itemEvent(B), { store, queue })).toMatchObject({ matched: 0 });

    const [message] = await drain();
    receiver.answer({ status: 500, body: `boom\u0000\u001b${'x'.repeat(500)}` }, { status: 200 });
    const before = receiver.received.length;
    expect(await dispatcher().dispatch(message!)).toBe('retrying');
    const [retry] = await drain();
    expect(retry).toMatchObject({ attempt: 2 });
    expect(await dispatcher().dispatch(retry!)).toBe('succeeded');
    const got = receiver.received.slice(before);
    expect(got).toHaveLength(2);
    expect(got[0]!.headers['webhook-id']).toBe(got[1]!.headers['webhook-id']);
    expect(got[1]!.verifyError).toBeUndefined();
    expect(got[1]!.verified).toMatchObject({ type: 'NewsItemPublished', data: { eventId: event.eventId } });

    const deliveries = await call('GET /v1/subscriptions/{id}/deliveries', A, {
      pathParameters: { id: sub.id },
    });
    const [delivery] = deliveries.body.deliveries;
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts.map((a: { httpStatus: number }) => a.httpStatus)).toEqual([500, 200]);
    const excerpt: string = delivery.attempts[0].responseExcerpt;
    expect(excerpt.length).toBeLessThanOrEqual(200);
    expect([...excerpt].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);

    const redeliver = await call('POST /v1/subscriptions/{id}/deliveries/{deliveryId}/redeliver', A, {
      pathParameters: { id: sub.id, deliveryId: delivery.id },
    });
    expect(redeliver.status).toBe(202);
    const [fresh] = await drain();
    expect(fresh).toMatchObject({ sequence: 2, attempt: 1 });
    expect(await dispatcher().dispatch(fresh!)).toBe('succeeded');
    expect(receiver.received.at(-1)!.headers['webhook-id']).toBe(delivery.id);
    await call('DELETE /v1/subscriptions/{id}', A, { pathParameters: { id: sub.id } });
  }, 30_000);

  it('treats a 301 as a failure without following it, and 410 disables the subscription', async () => {
    const sub = await subscribe(A);
    receiver.verifyWith(sub.secret);
    await fanOut(itemEvent(A), { store, queue });
    const [message] = await drain();
    receiver.answer({ status: 301, headers: { location: 'http://127.0.0.1:1/elsewhere' } }, { status: 410 });
    const before = receiver.received.length;
    expect(await dispatcher().dispatch(message!)).toBe('retrying');
    expect(receiver.received.length).toBe(before + 1);
    const [retry] = await drain();
    expect(await dispatcher().dispatch(retry!)).toBe('gone');
    const got = await call('GET /v1/subscriptions/{id}', A, { pathParameters: { id: sub.id } });
    expect(got.body.status).toBe('disabled');
    expect(got.body.disabledReason).toMatch(/410/);
    expect(await fanOut(itemEvent(A), { store, queue })).toMatchObject({ matched: 0 });
    await call('DELETE /v1/subscriptions/{id}', A, { pathParameters: { id: sub.id } });
  }, 30_000);

  it('blocks at connect time a hostname that resolves to loopback when loopback is not allowed; times out slow receivers', async () => {
    const sub = await subscribe(A);
    receiver.verifyWith(sub.secret);
    await fanOut(itemEvent(A), { store, queue });
    const [message] = await drain();
    // Re-point the stored URL at a name that "resolves" to 127.0.0.1 (DNS rebinding after registration).
    const rebound = `http://rebind.example:${receiver.port}/hooks`;
    await setStoredUrl(sub.id, rebound);
    const lookup: LookupFunction = (_host, options, callback) => {
      if ((options as { all?: boolean }).all)
        (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
          { address: '127.0.0.1', family: 4 },
        ]);
      else callback(null, '127.0.0.1', 4);
    };
    const before = receiver.received.length;
    expect(await dispatcher({ allowLoopback: false, lookup }).dispatch(message!)).toBe('retrying');
    expect(receiver.received.length).toBe(before);
    const [retry] = await drain();
    const listed = (await store.getDelivery(retry!.deliveryId))!;
    expect(listed.attempts[0]!.error).toMatch(/blocked/);

    await setStoredUrl(sub.id, receiver.url);
    receiver.answer({ hang: true });
    expect(await dispatcher({ timeoutMs: 500 }).dispatch(retry!)).toBe('retrying');
    expect((await store.getDelivery(retry!.deliveryId))!.attempts[1]!.error).toMatch(/timed out/);
    await drain();
    await call('DELETE /v1/subscriptions/{id}', A, { pathParameters: { id: sub.id } });
  }, 30_000);
});
