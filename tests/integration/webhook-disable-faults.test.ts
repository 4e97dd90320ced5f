/**
 * A disable must never be lost (issue 10, item 6): when disabling a subscription throws (a storage
 * fault, injected here around the real store), SQS's retry of the message must still disable it.
 */
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSqs } from '#local/sqs/index.ts';
import { DynamoDeliveryStore } from '#shared/adapters/dynamodb/delivery-store.ts';
import { DynamoSendPacer } from '#shared/adapters/dynamodb/send-pacer.ts';
import { DynamoSubscriptionStore } from '#shared/adapters/dynamodb/subscription-store.ts';
import { parseDeliveryMessage, type SqsDeliveryQueue } from '#shared/adapters/webhooks/delivery-queue.ts';
import { HttpWebhookSender } from '#shared/adapters/webhooks/http-sender.ts';
import { newId } from '#shared/domain/ids.ts';
import {
  type DeliveryMessage,
  Dispatcher,
  deliveryIdOf,
  fanOut,
  newSigningSecret,
  type Subscription,
  type SubscriptionStore,
  toWebhookEvent,
} from '#shared/domain/webhooks/index.ts';
import { startDeliveryQueue } from '../support/delivery-queue';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createWebhooksTable } from '../support/tables';
import { WebhookReceiver } from '../support/webhook-receiver';

const LEASE_MS = 10_000;
/** These tests are about store faults: every partner is active (revocation: webhooks.test.ts). */
const ACTIVE_PARTNERS = { isActive: async () => true };
let subscriptions: DynamoSubscriptionStore;
let deliveries: DynamoDeliveryStore;
let pacer: DynamoSendPacer;
let sqsServer: LocalSqs;
let sqs: SQSClient;
let queueUrl: string;
let queue: SqsDeliveryQueue;
let receiver: WebhookReceiver;

beforeAll(async () => {
  const dynamo = localDynamoClient();
  const table = await createWebhooksTable(dynamo, uniqueTableName('webhooks'));
  pacer = new DynamoSendPacer(dynamo, table);
  subscriptions = new DynamoSubscriptionStore(dynamo, table);
  deliveries = new DynamoDeliveryStore(dynamo, table);
  ({ server: sqsServer, sqs, queueUrl, queue } = await startDeliveryQueue());
  receiver = await new WebhookReceiver().start();
}, 60_000);

afterAll(async () => {
  await receiver?.stop();
  sqs?.destroy();
  await sqsServer?.close();
});

/** The real subscription store, except that the first `disableSubscription` throws as DynamoDB would under a fault. */
function storeFailingOneDisable(): { subscriptions: SubscriptionStore; disableCalls: () => number } {
  let calls = 0;
  const faulty = new Proxy(subscriptions, {
    get(target, property, receiverArg) {
      if (property === 'disableSubscription')
        return async (...args: Parameters<SubscriptionStore['disableSubscription']>) => {
          calls += 1;
          if (calls === 1) throw new Error('injected fault: TransactionCanceledException');
          return target.disableSubscription(...args);
        };
      const value = Reflect.get(target, property, receiverArg);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { subscriptions: faulty, disableCalls: () => calls };
}

const itemEvent = (partnerId: string) =>
  toWebhookEvent({
    'detail-type': 'NewsItemPublished',
    time: new Date().toISOString(),
    detail: {
      schemaVersion: '1',
      eventId: crypto.randomUUID(),
      partnerId,
      itemId: newId('itm'),
      language: 'ar',
      headline: 'h',
    },
  });

function clock() {
  let at = Date.now();
  return { now: () => new Date(at), advance: (ms: number) => (at += ms) };
}

async function subscribedDelivery(): Promise<{ subscription: Subscription; message: DeliveryMessage }> {
  const partnerId = newId('ptn');
  const now = new Date().toISOString();
  const subscription: Subscription = {
    subscriptionId: newId('sub'),
    partnerId,
    url: receiver.url,
    eventTypes: ['NewsItemPublished'],
    filter: {},
    status: 'active',
    createdAt: now,
    updatedAt: now,
  };
  expect(
    await subscriptions.createSubscription(subscription, { secret: newSigningSecret(), createdAt: now }, 10),
  ).toBe(true);
  const event = itemEvent(partnerId);
  await fanOut(event, { subscriptions, deliveries, queue, partners: ACTIVE_PARTNERS });
  const deliveryId = deliveryIdOf(event.eventId, subscription.subscriptionId);
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
  );
  // Only this test's subscriptions are active when it fans out; keep the message for this one.
  const messages = Messages.map((m) => parseDeliveryMessage(m.Body!)).filter(
    (m) => m?.deliveryId === deliveryId,
  );
  expect(messages).toHaveLength(1);
  return { subscription, message: messages[0]! };
}

function dispatcherWith(
  faulty: SubscriptionStore,
  time: ReturnType<typeof clock>,
  disableAfterSeconds: number,
) {
  return new Dispatcher({
    subscriptions: faulty,
    deliveries,
    queue,
    partners: ACTIVE_PARTNERS,
    pacer,
    sender: new HttpWebhookSender({ allowLoopback: true, timeoutMs: 3000 }),
    retrySchedule: [0, 1, 1],
    disableAfterSeconds,
    leaseMs: LEASE_MS,
    now: time.now,
  });
}

describe('a disable that throws is not lost', () => {
  it.each([
    ['a 410 Gone', 410, 3600, 'gone', /410/],
    ['the end of the failure window', 500, 0, 'failed', /failed continuously/],
  ])('after %s, the retried message disables the subscription', async (_, status, window, outcome, why) => {
    const { subscription, message } = await subscribedDelivery();
    receiver.answerByDefault({ status });
    const time = clock();
    const faulty = storeFailingOneDisable();
    const dispatcher = dispatcherWith(faulty.subscriptions, time, window);
    try {
      await expect(dispatcher.dispatch(message)).rejects.toThrow(/injected fault/);
      // SQS hands the message out again after its visibility timeout, long past the attempt's lease.
      time.advance(LEASE_MS + 1000);
      expect(await dispatcher.dispatch(message)).toBe(outcome);
      expect(faulty.disableCalls()).toBe(2);
      const stored = await subscriptions.getSubscription(subscription.subscriptionId);
      expect(stored?.status).toBe('disabled');
      expect(stored?.disabledReason).toMatch(why);
      expect(await deliveries.getDelivery(message.deliveryId)).toMatchObject({ status: 'failed' });
      const matches = await subscriptions.findMatches('NewsItemPublished', subscription.partnerId);
      expect(matches.map((m) => m.subscriptionId)).not.toContain(subscription.subscriptionId);
    } finally {
      receiver.answerByDefault({ status: 204 });
    }
  });
});
