import type { LookupFunction } from 'node:net';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LocalSqs } from '#local/sqs/index.ts';
import { DynamoDeliveryStore } from '#shared/adapters/dynamodb/delivery-store.ts';
import { DynamoPartnerStatus } from '#shared/adapters/dynamodb/partner-status.ts';
import { DynamoPartnerStore } from '#shared/adapters/dynamodb/partner-store.ts';
import { DynamoSendPacer } from '#shared/adapters/dynamodb/send-pacer.ts';
import { DynamoSubscriptionStore } from '#shared/adapters/dynamodb/subscription-store.ts';
import { disableAfterSecondsFromEnv, retryScheduleFromEnv } from '#shared/adapters/webhooks/config.ts';
import { parseDeliveryMessage, SqsDeliveryQueue } from '#shared/adapters/webhooks/delivery-queue.ts';
import { HttpWebhookSender } from '#shared/adapters/webhooks/http-sender.ts';
import { newId } from '#shared/domain/ids.ts';
import {
  type DeliveryMessage,
  Dispatcher,
  deliveryIdOf,
  disablePartnerSubscriptions,
  fanOut,
  toWebhookEvent,
} from '#shared/domain/webhooks/index.ts';
import { httpEvent, lambdaContext, partnerContext } from '../support/api-events';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createPartnersTable, createWebhooksTable } from '../support/tables';
import { WebhookReceiver } from '../support/webhook-receiver';

const A = newId('ptn');
const B = newId('ptn');
const SCOPES = 'items:read webhooks:manage';
let table: string;
let sqsServer: LocalSqs;
let sqs: SQSClient;
let queueUrl: string;
let subscriptions: DynamoSubscriptionStore;
let deliveries: DynamoDeliveryStore;
let documents: DynamoDBDocumentClient;
let queue: SqsDeliveryQueue;
let receiver: WebhookReceiver;
let partnerStore: DynamoPartnerStore;
let partnersTable: string;
/** The real partner status check fan-out and dispatch use (a fresh one sees revocations at once). */
let partners: DynamoPartnerStatus;
let pacer: DynamoSendPacer;
const freshPartnerStatus = () => new DynamoPartnerStatus(localDynamoClient(), partnersTable);

/** A partner profile (with one key) in the partners table, as `partners -- create` writes it. */
async function activePartner(partnerId: string): Promise<string> {
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
let api: typeof import('#functions/subscriptions-api/handler.ts');

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
  subscriptions = new DynamoSubscriptionStore(dynamo, table);
  pacer = new DynamoSendPacer(dynamo, table);
  deliveries = new DynamoDeliveryStore(dynamo, table);
  partnersTable = await createPartnersTable(dynamo, uniqueTableName('partners'));
  partnerStore = new DynamoPartnerStore(dynamo, partnersTable);
  partners = freshPartnerStatus();
  await Promise.all([activePartner(A), activePartner(B)]);
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
  api = await import('#functions/subscriptions-api/handler.ts');
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

/** Every message visible on the shared queue now (other tests leave theirs there), received once. */
async function drain(): Promise<ReturnType<typeof parseDeliveryMessage>[]> {
  const received: ReturnType<typeof parseDeliveryMessage>[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    if (Messages.length === 0) return received;
    received.push(...Messages.map((m) => parseDeliveryMessage(m.Body!)));
  }
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
    expect((await subscriptions.getSubscriptionWithSecrets(sub.id))!.secrets).toHaveLength(2);

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

  it('decodes bodies as ingest does: 400 empty, not UTF-8 or not an object, 413 over 16 KiB, 415 not JSON, as problem+json', async () => {
    const post = async (
      body: string | undefined,
      isBase64Encoded = false,
      contentType = 'application/json',
    ) => {
      const response = await api.handler(
        httpEvent({
          routeKey: 'POST /v1/subscriptions',
          ...(body !== undefined && { body }),
          isBase64Encoded,
          headers: { 'content-type': contentType },
          authorizer: partnerContext(A, SCOPES),
        }),
        lambdaContext(),
      );
      expect(response.headers?.['content-type']).toBe('application/problem+json');
      return { status: response.statusCode, problem: JSON.parse(response.body!) };
    };
    const empty = await post(undefined);
    expect(empty.status).toBe(400);
    expect(empty.problem.errors).toEqual([{ pointer: '', message: 'a JSON body is required' }]);
    const array = await post('[]');
    expect(array.status).toBe(400);
    expect(array.problem.detail).toMatch(/JSON object \(a subscription\)/);
    const notUtf8 = await post(Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), true);
    expect(notUtf8.status).toBe(400);
    expect(notUtf8.problem.errors[0].pointer).toBe('');
    const description = 'x'.repeat(16 * 1024);
    const tooLarge = await post(JSON.stringify({ url: 'https://example.com/hook', description }));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.problem.type).toMatch(/payload-too-large$/);
    expect(tooLarge.problem.detail).toMatch(/limit is 16384 bytes/);
    expect((await post('{}', false, 'text/plain')).status).toBe(415);
  });
});

describe('delivery', () => {
  it('fans out once per event (dedupe), delivers a signed webhook, retries 500 then 200 with the same webhook-id', async () => {
    const sub = await subscribe(A);
    receiver.verifyWith(sub.secret);
    const event = itemEvent(A);
    const first = await fanOut(event, { subscriptions, deliveries, queue, partners });
    const again = await fanOut(event, { subscriptions, deliveries, queue, partners });
    expect(first.created).toBe(1);
    expect(again).toMatchObject({ created: 0, duplicates: 1 });
    expect(await fanOut(itemEvent(B), { subscriptions, deliveries, queue, partners })).toMatchObject({
      matched: 0,
    });

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

    const listed = await call('GET /v1/subscriptions/{id}/deliveries', A, {
      pathParameters: { id: sub.id },
    });
    const [delivery] = listed.body.deliveries;
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

  it('messages name their subscription so the dispatcher reads both rows at once; the delivery row decides, whatever the hint says', async () => {
    const mine = await subscribe(A);
    const other = await subscribe(B);
    receiver.verifyWith(mine.secret);
    await fanOut(itemEvent(A), { subscriptions, deliveries, queue, partners });
    const [message] = await drain();
    expect(message).toMatchObject({ subscriptionId: mine.id, attempt: 1 });
    // A wrong hint (another partner's active subscription) must not sign with its secret or send to it.
    receiver.answer({ status: 503 });
    const before = receiver.received.length;
    expect(await dispatcher().dispatch({ ...message!, subscriptionId: other.id })).toBe('retrying');
    expect(receiver.received.slice(before).map((r) => r.verifyError)).toEqual([undefined]);
    const [retry] = await drain();
    expect(retry).toMatchObject({ subscriptionId: mine.id, attempt: 2 });
    // No hint at all (a message queued before hints existed): the subscription is read after the delivery.
    const { subscriptionId: _hint, ...unhinted } = retry!;
    receiver.answer({ status: 200 });
    expect(await dispatcher().dispatch(unhinted)).toBe('succeeded');
    expect(receiver.received.at(-1)!.verifyError).toBeUndefined();
    for (const [partner, sub] of [
      [A, mine],
      [B, other],
    ] as const) {
      await call('DELETE /v1/subscriptions/{id}', partner, { pathParameters: { id: sub.id } });
    }
  }, 30_000);

  it('treats a 301 as a failure without following it, and 410 disables the subscription', async () => {
    const sub = await subscribe(A);
    receiver.verifyWith(sub.secret);
    await fanOut(itemEvent(A), { subscriptions, deliveries, queue, partners });
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
    expect(await fanOut(itemEvent(A), { subscriptions, deliveries, queue, partners })).toMatchObject({
      matched: 0,
    });
    await call('DELETE /v1/subscriptions/{id}', A, { pathParameters: { id: sub.id } });
  }, 30_000);

  it('blocks at connect time a hostname that resolves to loopback when loopback is not allowed; times out slow receivers', async () => {
    const sub = await subscribe(A);
    receiver.verifyWith(sub.secret);
    await fanOut(itemEvent(A), { subscriptions, deliveries, queue, partners });
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
    const listed = (await deliveries.getDelivery(retry!.deliveryId))!;
    expect(listed.attempts[0]!.error).toMatch(/blocked/);

    await setStoredUrl(sub.id, receiver.url);
    receiver.answer({ hang: true });
    expect(await dispatcher({ timeoutMs: 500 }).dispatch(retry!)).toBe('retrying');
    expect((await deliveries.getDelivery(retry!.deliveryId))!.attempts[1]!.error).toMatch(/timed out/);
    await drain();
    await call('DELETE /v1/subscriptions/{id}', A, { pathParameters: { id: sub.id } });
  }, 30_000);
});

/** A clock the test moves by hand: the dispatcher's notion of "now" (SQS and DynamoDB keep real time). */
function manualClock() {
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

interface QueuedAttempt {
  message: DeliveryMessage;
  /** The DelaySeconds the message was sent with, as the local SQS applied it. */
  delaySeconds: number;
  visibleAt: number;
}

/** The delivery's messages on the deliveries queue, as the local SQS reports them (in or out of flight). */
async function queuedAttempts(deliveryId: string): Promise<QueuedAttempt[]> {
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
async function queuedAttempt(deliveryId: string, attempt: number): Promise<QueuedAttempt> {
  const found = (await queuedAttempts(deliveryId)).filter((q) => q.message.attempt === attempt);
  expect(found, `messages for attempt ${attempt} of ${deliveryId}`).toHaveLength(1);
  return found[0]!;
}

describe('failing runs in the store', () => {
  it('a success ends only a failing run that started before it; a later failure starts a new one', async () => {
    const sub = await subscribe(A);
    // A concurrent delivery failed at 10:00 while this one (which read the subscription earlier) succeeded at 10:01.
    expect(await subscriptions.markFailing(sub.id, '2026-03-01T10:00:00.000Z')).toBe(
      '2026-03-01T10:00:00.000Z',
    );
    await subscriptions.clearFailing(sub.id, '2026-03-01T10:01:00.000Z');
    expect((await subscriptions.getSubscription(sub.id))?.failingSince).toBeUndefined();

    // A failure finishing after the success starts a run that the (earlier) success must not erase.
    await subscriptions.markFailing(sub.id, '2026-03-01T10:02:00.000Z');
    await subscriptions.clearFailing(sub.id, '2026-03-01T10:01:30.000Z');
    expect((await subscriptions.getSubscription(sub.id))?.failingSince).toBe('2026-03-01T10:02:00.000Z');
    await call('DELETE /v1/subscriptions/{id}', A, { pathParameters: { id: sub.id } });
  });
});

describe('delivery policy: auto-disable and Retry-After', () => {
  const P = newId('ptn');
  let endpoint: WebhookReceiver;

  beforeAll(async () => {
    // Its own receiver, so a default answer or a leftover script never leaks into other tests.
    endpoint = await new WebhookReceiver().start();
    await activePartner(P);
  });
  afterAll(async () => {
    await endpoint?.stop();
  });

  function policyDispatcher(clock: { now: () => Date }, env: NodeJS.ProcessEnv) {
    return new Dispatcher({
      subscriptions,
      deliveries,
      queue,
      partners,
      pacer,
      sender: new HttpWebhookSender({ allowLoopback: true, timeoutMs: 3000 }),
      retrySchedule: retryScheduleFromEnv(env),
      disableAfterSeconds: disableAfterSecondsFromEnv(env),
      leaseMs: 10_000,
      now: clock.now,
      random: () => 0.5,
    });
  }

  /** Subscribes P's endpoint and fans out one event; returns the subscription and the delivery id. */
  async function subscribedDelivery() {
    const sub = await subscribe(P, endpoint.url);
    endpoint.verifyWith(sub.secret);
    return { sub, deliveryId: await newDelivery(sub.id) };
  }

  async function newDelivery(subscriptionId: string): Promise<string> {
    const event = itemEvent(P);
    expect(await fanOut(event, { subscriptions, deliveries, queue, partners })).toMatchObject({ created: 1 });
    return deliveryIdOf(event.eventId, subscriptionId);
  }

  const getSubscription = async (id: string) =>
    (await call('GET /v1/subscriptions/{id}', P, { pathParameters: { id } })).body;

  async function listedDelivery(subscriptionId: string, deliveryId: string) {
    const listed = await call('GET /v1/subscriptions/{id}/deliveries', P, {
      pathParameters: { id: subscriptionId },
    });
    const found = listed.body.deliveries.find((d: { id: string }) => d.id === deliveryId);
    expect(found, deliveryId).toBeDefined();
    return found as {
      status: string;
      reason?: string;
      nextAttemptAt?: string;
      attempts: { httpStatus?: number; outcome: string; at: string }[];
    };
  }

  // Threshold 60 s and 20 s between attempts, driven by the injected clock (no sleeping).
  const DOWN_FOR_A_MINUTE = {
    WEBHOOK_DISABLE_AFTER_SECONDS: '60',
    WEBHOOK_RETRY_SCHEDULE: '0,20,20,20,20,20',
  };

  it('disables a subscription failing continuously past WEBHOOK_DISABLE_AFTER_SECONDS, shows why, and attempts nothing more', async () => {
    const clock = manualClock();
    const dispatch = policyDispatcher(clock, DOWN_FOR_A_MINUTE);
    const { sub, deliveryId } = await subscribedDelivery();
    const pendingId = await newDelivery(sub.id);
    endpoint.answerByDefault({ status: 500, body: 'down for maintenance' });
    try {
      const startedFailing = clock.iso();
      for (const attempt of [1, 2, 3]) {
        const { message } = await queuedAttempt(deliveryId, attempt);
        expect(await dispatch.dispatch(message), `attempt ${attempt}`).toBe('retrying');
        const shown = await getSubscription(sub.id);
        expect(shown).toMatchObject({ status: 'active', failingSince: startedFailing });
        clock.advance(20);
      }
      // Attempt 4 fails 60 s after the first failure: the threshold is reached.
      const last = await queuedAttempt(deliveryId, 4);
      expect(await dispatch.dispatch(last.message)).toBe('failed');

      const shown = await getSubscription(sub.id);
      expect(shown.status).toBe('disabled');
      expect(shown.disabledAt).toBe(clock.iso());
      expect(shown.disabledReason).toMatch(/failed continuously/);
      expect(shown.disabledReason).toContain(startedFailing);
      const delivery = await listedDelivery(sub.id, deliveryId);
      expect(delivery).toMatchObject({ status: 'failed', reason: 'subscription-disabled' });
      expect(delivery.attempts.map((a) => a.httpStatus)).toEqual([500, 500, 500, 500]);

      // Nothing more: no fifth attempt queued, a redelivered message is a no-op, the other pending
      // delivery is cancelled without a request, and new events no longer match.
      expect((await queuedAttempts(deliveryId)).map((q) => q.message.attempt)).toEqual([1, 2, 3, 4]);
      clock.advance(20);
      expect(await dispatch.dispatch(last.message)).toBe('stale');
      const { message: pending } = await queuedAttempt(pendingId, 1);
      expect(await dispatch.dispatch(pending)).toBe('cancelled');
      expect(await listedDelivery(sub.id, pendingId)).toMatchObject({
        status: 'cancelled',
        reason: 'subscription-disabled',
        attempts: [],
      });
      expect(await fanOut(itemEvent(P), { subscriptions, deliveries, queue, partners })).toMatchObject({
        matched: 0,
      });
      expect(endpoint.requestsFor(deliveryId)).toHaveLength(4);
      expect(endpoint.requestsFor(pendingId)).toHaveLength(0);
    } finally {
      endpoint.answerByDefault({ status: 204 });
      await call('DELETE /v1/subscriptions/{id}', P, { pathParameters: { id: sub.id } });
    }
  }, 30_000);

  it('a success resets the failing run: failing for less than the threshold, succeeding, then failing again does not disable', async () => {
    const clock = manualClock();
    const dispatch = policyDispatcher(clock, DOWN_FOR_A_MINUTE);
    const { sub, deliveryId } = await subscribedDelivery();
    endpoint.answerByDefault({ status: 500 });
    try {
      const firstFailure = clock.iso();
      for (const attempt of [1, 2]) {
        expect(await dispatch.dispatch((await queuedAttempt(deliveryId, attempt)).message)).toBe('retrying');
        clock.advance(20);
      }
      expect(await getSubscription(sub.id)).toMatchObject({ failingSince: firstFailure });
      endpoint.answer({ status: 200 });
      expect(await dispatch.dispatch((await queuedAttempt(deliveryId, 3)).message)).toBe('succeeded');
      const recovered = await getSubscription(sub.id);
      expect(recovered.status).toBe('active');
      expect(recovered).not.toHaveProperty('failingSince');

      // A new run starts 70 s after the first failure; by its third failure 110 s have passed since
      // the first one (past the threshold), but only 40 s since the success.
      clock.advance(30);
      const again = await newDelivery(sub.id);
      const secondRun = clock.iso();
      for (const attempt of [1, 2, 3]) {
        expect(await dispatch.dispatch((await queuedAttempt(again, attempt)).message)).toBe('retrying');
        clock.advance(20);
      }
      expect(await getSubscription(sub.id)).toMatchObject({ status: 'active', failingSince: secondRun });
      expect(await fanOut(itemEvent(P), { subscriptions, deliveries, queue, partners })).toMatchObject({
        matched: 1,
      });

      // The new run, not the old one, reaches the threshold.
      expect(await dispatch.dispatch((await queuedAttempt(again, 4)).message)).toBe('failed');
      const disabled = await getSubscription(sub.id);
      expect(disabled.status).toBe('disabled');
      expect(disabled.disabledReason).toContain(secondRun);
    } finally {
      endpoint.answerByDefault({ status: 204 });
      await call('DELETE /v1/subscriptions/{id}', P, { pathParameters: { id: sub.id } });
    }
  }, 30_000);

  // The schedule's next step is 2 s: any longer wait comes from Retry-After.
  const SHORT_STEPS = { WEBHOOK_RETRY_SCHEDULE: '0,2,2' };

  it('429 and 503 with Retry-After (seconds or HTTP-date) delay the re-enqueued attempt past the schedule step; other statuses do not', async () => {
    const clock = manualClock();
    const dispatch = policyDispatcher(clock, SHORT_STEPS);
    const cases = [
      { answer: { status: 429, headers: { 'retry-after': '7' } }, wait: 7 },
      {
        answer: { status: 503, headers: { 'retry-after': new Date(clock.ms() + 9000).toUTCString() } },
        wait: 9,
      },
      // Retry-After only counts on 429 and 503: a 500 keeps the schedule's step.
      { answer: { status: 500, headers: { 'retry-after': '7' } }, wait: 2 },
    ];
    // A subscription each: a Retry-After also pauses the rest of its subscription's deliveries.
    for (const { answer, wait } of cases) {
      const { sub, deliveryId } = await subscribedDelivery();
      try {
        endpoint.answer(answer);
        const sentAfter = Date.now();
        expect(await dispatch.dispatch((await queuedAttempt(deliveryId, 1)).message)).toBe('retrying');

        const next = await queuedAttempt(deliveryId, 2);
        expect(next.message.notBefore).toBeUndefined();
        expect(next.delaySeconds, `${answer.status} DelaySeconds`).toBe(wait);
        expect(next.visibleAt).toBeGreaterThanOrEqual(sentAfter + wait * 1000);
        const delivery = await listedDelivery(sub.id, deliveryId);
        expect(delivery.attempts.map((a) => a.httpStatus)).toEqual([answer.status]);
        expect(delivery.nextAttemptAt).toBe(clock.iso(wait));
      } finally {
        await call('DELETE /v1/subscriptions/{id}', P, { pathParameters: { id: sub.id } });
      }
    }
  }, 30_000);

  it('caps a huge Retry-After at 24 h: the attempt hops through the queue with notBefore instead of waiting a week', async () => {
    const clock = manualClock();
    const dispatch = policyDispatcher(clock, SHORT_STEPS);
    const DAY = 24 * 3600; // the documented cap
    const WEEK = 7 * DAY;
    const answers = [
      { status: 429, headers: { 'retry-after': String(WEEK) } },
      { status: 503, headers: { 'retry-after': new Date(clock.ms() + WEEK * 1000).toUTCString() } },
    ];
    for (const answer of answers) {
      const { sub, deliveryId } = await subscribedDelivery();
      try {
        endpoint.answer(answer);
        expect(await dispatch.dispatch((await queuedAttempt(deliveryId, 1)).message)).toBe('retrying');
        const delivery = await listedDelivery(sub.id, deliveryId);
        expect(delivery.attempts.map((a) => a.httpStatus)).toEqual([answer.status]);
        expect(delivery.nextAttemptAt).toBe(clock.iso(DAY));

        // SQS delays at most 900 s, so the message carries the capped time and hops until then.
        const next = await queuedAttempt(deliveryId, 2);
        expect(next.delaySeconds).toBe(900);
        expect(next.message.notBefore).toBe(clock.ms() + DAY * 1000);
        const requests = endpoint.requestsFor(deliveryId).length;
        expect(await dispatch.dispatch(next.message)).toBe('waiting');
        expect(endpoint.requestsFor(deliveryId)).toHaveLength(requests);
        const hops = (await queuedAttempts(deliveryId)).filter((q) => q.message.attempt === 2);
        expect(hops).toHaveLength(2);
        expect(hops.every((hop) => hop.message.notBefore === clock.ms() + DAY * 1000)).toBe(true);
      } finally {
        await call('DELETE /v1/subscriptions/{id}', P, { pathParameters: { id: sub.id } });
      }
    }
  }, 30_000);

  it('paces deliveries to a subscription at its rate: a burst goes at once, each later one is requeued once, for its own slot', async () => {
    const clock = manualClock();
    const dispatch = policyDispatcher(clock, SHORT_STEPS);
    const created = await call('POST /v1/subscriptions', P, {
      body: { url: endpoint.url, eventTypes: ['NewsItemPublished'], maxDeliveriesPerSecond: 1 },
    });
    expect(created.status).toBe(201);
    expect(created.body.maxDeliveriesPerSecond).toBe(1);
    const sub = created.body as { id: string; secret: string };
    endpoint.verifyWith(sub.secret);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await newDelivery(sub.id));
      const outcomes: string[] = [];
      for (const id of ids) outcomes.push(await dispatch.dispatch((await queuedAttempt(id, 1)).message));
      // 1 a second, bursts of 2: two go now, three wait for slots 1, 2 and 3 s ahead.
      expect(outcomes).toEqual(['succeeded', 'succeeded', 'paced', 'paced', 'paced']);
      const requeued = await Promise.all(
        ids.slice(2).map(async (id) => (await queuedAttempts(id)).find((q) => q.message.paced)!),
      );
      expect(requeued.map((q) => [q.delaySeconds, q.message.notBefore! - clock.ms()])).toEqual([
        [1, 1000],
        [2, 2000],
        [3, 3000],
      ]);
      expect(endpoint.requestsFor(ids[2]!)).toHaveLength(0);

      // When their slots come, they go without taking another slot...
      clock.advance(3);
      for (const q of requeued) expect(await dispatch.dispatch(q.message)).toBe('succeeded');
      // ...so the next new delivery waits only for the slot after the five reserved.
      const sixth = await newDelivery(sub.id);
      expect(await dispatch.dispatch((await queuedAttempt(sixth, 1)).message)).toBe('paced');
      const next = (await queuedAttempts(sixth)).find((q) => q.message.paced)!;
      expect(next.message.notBefore! - clock.ms()).toBe(1000);
    } finally {
      await call('DELETE /v1/subscriptions/{id}', P, { pathParameters: { id: sub.id } });
    }
  }, 30_000);

  it('a 429 pauses every delivery of the subscription, for its Retry-After or 5 s without one', async () => {
    const clock = manualClock();
    const dispatch = policyDispatcher(clock, SHORT_STEPS);
    for (const { headers, pause } of [
      { headers: { 'retry-after': '30' }, pause: 30 },
      { headers: {}, pause: 5 },
    ]) {
      const { sub, deliveryId } = await subscribedDelivery();
      const other = await newDelivery(sub.id);
      try {
        endpoint.answer({ status: 429, headers });
        expect(await dispatch.dispatch((await queuedAttempt(deliveryId, 1)).message)).toBe('retrying');
        // Another delivery to the same endpoint is held too, and nothing is sent to it meanwhile.
        expect(await dispatch.dispatch((await queuedAttempt(other, 1)).message)).toBe('paced');
        const held = (await queuedAttempts(other)).find((q) => q.message.paced)!;
        expect(held.message.notBefore! - clock.ms()).toBe(pause * 1000);
        expect(endpoint.requestsFor(other)).toHaveLength(0);
        clock.advance(pause);
        expect(await dispatch.dispatch(held.message)).toBe('succeeded');
      } finally {
        await call('DELETE /v1/subscriptions/{id}', P, { pathParameters: { id: sub.id } });
      }
    }
  }, 30_000);
});

describe('revoked partners (issue 10 #1)', () => {
  it('revocation disables every subscription of the partner; the fan-out then finds none', async () => {
    const R = await activePartner(newId('ptn'));
    const first = await subscribe(R);
    const second = await subscribe(R);
    const bystander = await subscribe(B);

    await partnerStore.revoke(R);
    expect(await disablePartnerSubscriptions(subscriptions, R, new Date().toISOString())).toEqual({
      disabled: 2,
    });
    // Idempotent: running it again (after a partial failure) finds nothing left to do.
    expect(await disablePartnerSubscriptions(subscriptions, R, new Date().toISOString())).toEqual({
      disabled: 0,
    });

    for (const id of [first.id, second.id]) {
      const got = await call('GET /v1/subscriptions/{id}', R, { pathParameters: { id } });
      expect(got.body).toMatchObject({ status: 'disabled', disabledReason: 'The partner was revoked.' });
    }
    expect(
      (await call('GET /v1/subscriptions/{id}', B, { pathParameters: { id: bystander.id } })).body.status,
    ).toBe('active');
    const fresh = freshPartnerStatus();
    expect(await fanOut(itemEvent(R), { subscriptions, deliveries, queue, partners: fresh })).toMatchObject({
      matched: 0,
      created: 0,
    });
    await drain();
    await call('DELETE /v1/subscriptions/{id}', B, { pathParameters: { id: bystander.id } });
  }, 30_000);

  it('a subscription that outlived its revoked partner gets no new deliveries, and a queued one is cancelled unsent', async () => {
    const R = await activePartner(newId('ptn'));
    // A leaked key registers an all-partners subscription, then the partner is revoked; the
    // subscription slipped past the revocation (e.g. registered through a gateway-cached key).
    const sub = await subscribe(R);
    const queued = itemEvent(R);
    expect(
      await fanOut(queued, { subscriptions, deliveries, queue, partners: freshPartnerStatus() }),
    ).toMatchObject({
      created: 1,
    });
    const queuedId = deliveryIdOf(queued.eventId, sub.id);
    const message = (await drain()).find((m) => m?.deliveryId === queuedId);
    expect(message).toBeDefined();
    await partnerStore.revoke(R);

    const fresh = freshPartnerStatus();
    const later = itemEvent(R);
    expect(await fanOut(later, { subscriptions, deliveries, queue, partners: fresh })).toMatchObject({
      matched: 1,
      created: 0,
      refused: 1,
    });
    expect(await deliveries.getDelivery(deliveryIdOf(later.eventId, sub.id))).toBeUndefined();
    // Other tests share the queue: only this event's delivery must not be there.
    const laterId = deliveryIdOf(later.eventId, sub.id);
    expect((await drain()).filter((m) => m?.deliveryId === laterId)).toEqual([]);

    const before = receiver.received.length;
    const refusing = new Dispatcher({
      subscriptions,
      deliveries,
      queue,
      partners: fresh,
      pacer,
      sender: new HttpWebhookSender({ allowLoopback: true, timeoutMs: 3000 }),
      retrySchedule: [0, 1, 1],
      disableAfterSeconds: 3600,
      leaseMs: 10_000,
    });
    expect(await refusing.dispatch(message!)).toBe('refused');
    expect(receiver.received.length).toBe(before);
    const delivery = await deliveries.getDelivery(queuedId);
    expect(delivery).toMatchObject({ status: 'cancelled', reason: 'partner-revoked' });
    expect(await subscriptions.getSubscription(sub.id)).toMatchObject({
      status: 'disabled',
      disabledReason: 'The partner was revoked.',
    });
  }, 30_000);
});

describe('operator recovery in the stores (npm run ops -- subscriptions enable)', () => {
  it('enableSubscription brings a disabled subscription back with its match rows, once', async () => {
    const sub = await subscribe(A);
    const subscription = (await subscriptions.getSubscription(sub.id))!;
    await subscriptions.disableSubscription(subscription, 'endpoint-gone', '2026-03-01T10:00:00.000Z');
    expect(await subscriptions.findMatches('NewsItemPublished', A)).not.toContainEqual(
      expect.objectContaining({ subscriptionId: sub.id }),
    );

    expect(await subscriptions.enableSubscription(subscription, '2026-03-01T11:00:00.000Z')).toBe(true);
    const enabled = await subscriptions.getSubscription(sub.id);
    expect(enabled).toMatchObject({ status: 'active', updatedAt: '2026-03-01T11:00:00.000Z' });
    expect(enabled?.disabledAt).toBeUndefined();
    expect(enabled?.disabledReason).toBeUndefined();
    expect(await subscriptions.findMatches('NewsItemPublished', A)).toContainEqual(
      expect.objectContaining({ subscriptionId: sub.id, partnerId: A }),
    );
    // Already active: nothing to do.
    expect(await subscriptions.enableSubscription(subscription, '2026-03-01T12:00:00.000Z')).toBe(false);
    await call('DELETE /v1/subscriptions/{id}', A, { pathParameters: { id: sub.id } });
  });

  it('listDeliveriesSince pages the deliveries created at or after a time, oldest first', async () => {
    const sub = await subscribe(A);
    const created = ['2026-03-01T09:00:00.000Z', '2026-03-01T10:00:00.000Z', '2026-03-01T11:00:00.000Z'];
    for (const [i, createdAt] of created.entries())
      await deliveries.createDelivery(
        {
          deliveryId: `msg_${sub.id}_${i}`,
          subscriptionId: sub.id,
          partnerId: A,
          eventId: `evt-${i}`,
          eventType: 'NewsItemPublished',
          createdAt,
          status: 'failed',
          sequence: 1,
          nextAttempt: 2,
          attempts: [],
        },
        '{}',
      );
    const first = await deliveries.listDeliveriesSince(sub.id, '2026-03-01T10:00:00.000Z', { limit: 1 });
    expect(first.items.map((d) => d.createdAt)).toEqual(['2026-03-01T10:00:00.000Z']);
    const second = await deliveries.listDeliveriesSince(sub.id, '2026-03-01T10:00:00.000Z', {
      limit: 1,
      cursor: first.cursor!,
    });
    expect(second.items.map((d) => d.createdAt)).toEqual(['2026-03-01T11:00:00.000Z']);
    const rest = await deliveries.listDeliveriesSince(sub.id, '2026-03-01T10:00:00.000Z', {
      limit: 1,
      cursor: second.cursor!,
    });
    expect(rest.items).toEqual([]);
    expect(rest.cursor).toBeUndefined();
    await call('DELETE /v1/subscriptions/{id}', A, { pathParameters: { id: sub.id } });
  });
});
