/**
 * Webhooks on the local cloud, over real HTTP: registration (secret shown once, SSRF refusals),
 * signed delivery of NewsItemPublished to real receivers verified with `standardwebhooks`, retries
 * with a stable webhook-id, 410 disabling, the deliveries list, redelivery, and tenant isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpWebhookSender } from '#shared/adapters/webhooks/http-sender.ts';
import { newSigningSecret } from '#shared/domain/webhooks/secrets.ts';
import { WebhookReceiver } from '../support/webhook-receiver';
import { jsonOf, seedArticle, waitFor } from './support/helpers';
import type { RunningCloud } from './support/local-cloud';
import {
  createPartner,
  type DeliveryBody,
  deliveriesOf,
  type PartnerApi,
  partnerApi,
  type SubscriptionBody,
  startSubscriberCloud,
  subscribe,
} from './support/subscribers';

const DELIVERY_TIMEOUT_MS = 30_000;

/** SSRF cases refused at registration whatever the loopback setting (docs/webhooks.md, URL rules). */
const REFUSED_ANYWHERE = [
  'http://10.0.0.1/',
  'http://169.254.169.254/',
  'http://[::ffff:127.0.0.1]/',
  'http://100.64.0.1/',
  'http://[fd00::1]/',
  'http://224.0.0.1/',
  'http://0.0.0.0/',
  'http://192.168.1.10:8080/hook',
  'http://172.16.0.1/',
  'http://[fe80::1]/',
  'http://127.0.0.2/',
  'ftp://example.com/',
];

/** Refused only when loopback is not allowed (production): numeric forms of 127.0.0.1 and loopback names. */
const LOOPBACK_FORMS = [
  'http://127.0.0.1/',
  'http://0x7f000001/',
  'http://2130706433/',
  'http://127.1/',
  'http://0177.0.0.1:8080/',
  'http://[::1]/',
  'http://localhost/',
];

async function expectRefused(api: PartnerApi, url: string): Promise<void> {
  const result = await api.subscribe({ url, eventTypes: ['NewsItemPublished'] });
  expect(result.status).toBe(400);
  expect(result.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = jsonOf<{ errors: Array<{ pointer: string; message: string }> }>(result);
  expect(problem.errors).toEqual([expect.objectContaining({ pointer: '/url' })]);
  expect(problem.errors[0]?.message.length).toBeGreaterThan(5);
}

let cloud: RunningCloud;
let stopCloud: (() => Promise<void>) | undefined;
let a: PartnerApi;
let b: PartnerApi;
const ok = new WebhookReceiver();
const flaky = new WebhookReceiver();
const gone = new WebhookReceiver();
let okSub: SubscriptionBody & { secret: string };
let flakySub: SubscriptionBody & { secret: string };
let goneSub: SubscriptionBody & { secret: string };
let itemId: string;

describe('on the local cloud (loopback open for local receivers)', () => {
  beforeAll(async () => {
    const started = await startSubscriberCloud('webhooks', { WEBHOOK_RETRY_SCHEDULE: '0,1,2' });
    cloud = started.cloud;
    stopCloud = started.stop;
    const [partnerA, partnerB] = await Promise.all([
      createPartner(started.dataDir, 'webhooks-a'),
      createPartner(started.dataDir, 'webhooks-b'),
    ]);
    a = partnerApi(cloud.endpoints, partnerA.apiKey);
    b = partnerApi(cloud.endpoints, partnerB.apiKey);
    await Promise.all([ok.start(), flaky.start(), gone.start()]);

    okSub = await subscribe(a, ok.url);
    flakySub = await subscribe(a, flaky.url);
    goneSub = await subscribe(a, gone.url);
    ok.verifyWith(okSub.secret);
    flaky.verifyWith(flakySub.secret);
    gone.verifyWith(goneSub.secret);
    flaky.answer({ status: 500, body: 'try again' }, { status: 200 });
    gone.answer({ status: 410, body: 'gone for good' });

    const created = await a.submit(seedArticle());
    if (created.status !== 201) throw new Error(`submit answered ${created.status}: ${created.text}`);
    itemId = jsonOf<{ id: string }>(created).id;
  }, 180_000);

  afterAll(async () => {
    await Promise.all([ok.stop(), flaky.stop(), gone.stop()]);
    await stopCloud?.();
  });

  function waitForRequests(receiver: WebhookReceiver, count: number, what: string) {
    return waitFor(() => receiver.received.length >= count && receiver.received, DELIVERY_TIMEOUT_MS, what);
  }

  async function waitForDelivery(
    api: PartnerApi,
    subscriptionId: string,
    done: (delivery: DeliveryBody) => boolean,
    what: string,
  ): Promise<DeliveryBody> {
    return waitFor(
      async () => (await deliveriesOf(api, subscriptionId)).find(done),
      DELIVERY_TIMEOUT_MS,
      what,
    );
  }

  describe('registration', () => {
    it('returns a whsec_ signing secret once; GET never shows it', async () => {
      expect(okSub.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(okSub).toMatchObject({ url: ok.url, eventTypes: ['NewsItemPublished'], status: 'active' });
      const read = await a.subscription(okSub.id);
      expect(read.status).toBe(200);
      expect(jsonOf(read)).not.toHaveProperty('secret');
      expect(read.text).not.toContain(okSub.secret.slice('whsec_'.length));
    });

    it('normalises numeric host tricks (0x7f000001, 2130706433) to 127.0.0.1 before the policy check', async () => {
      // The local cloud opens exactly 127.0.0.1, so these are accepted here *as 127.0.0.1*; with the
      // production policy they are refused (see "the production URL policy" below).
      for (const raw of ['http://0x7f000001:9/hook', 'http://2130706433:9/hook']) {
        const result = await a.subscribe({ url: raw, eventTypes: ['NewsItemCorrected'] });
        expect(result.status).toBe(201);
        const created = jsonOf<SubscriptionBody>(result);
        expect(created.url).toBe('http://127.0.0.1:9/hook');
        expect((await a.unsubscribe(created.id)).status).toBe(204);
      }
    });

    it.each(REFUSED_ANYWHERE)('refuses %s with 400 and a reason at /url (loopback allowed)', async (url) => {
      await expectRefused(a, url);
    });
  });

  describe('delivery of NewsItemPublished', () => {
    it('reaches the receiver signed: Webhook.verify accepts it with the secret from registration', async () => {
      const [request] = await waitForRequests(ok, 1, 'the NewsItemPublished webhook');
      expect(request?.verifyError).toBeUndefined();
      const payload = request?.verified as { type: string; timestamp: string; data: Record<string, unknown> };
      expect(payload.type).toBe('NewsItemPublished');
      expect(payload.data).toMatchObject({ itemId, version: 1, language: 'ar' });
      expect(request?.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(request?.headers['content-type']).toMatch(/^application\/json/);
    });

    it('a tampered body fails verification (the receiver really checks the signature)', async () => {
      const [request] = await waitForRequests(ok, 1, 'the NewsItemPublished webhook');
      const { Webhook } = await import('standardwebhooks');
      const tampered = request!.body.replace('NewsItemPublished', 'NewsItemRetracted');
      expect(() =>
        new Webhook(okSub.secret).verify(tampered, request!.headers as Record<string, string>),
      ).toThrow();
    });

    it('a 500 is retried and the second attempt succeeds with the same webhook-id', async () => {
      const [first, second] = await waitForRequests(flaky, 2, 'two attempts at the flaky receiver');
      expect(first?.verifyError).toBeUndefined();
      expect(second?.verifyError).toBeUndefined();
      expect(second?.headers['webhook-id']).toBe(first?.headers['webhook-id']);
      expect(second?.body).toBe(first?.body);

      const delivery = await waitForDelivery(
        a,
        flakySub.id,
        (d) => d.status === 'succeeded',
        'the flaky delivery to succeed',
      );
      expect(delivery.id).toBe(first?.headers['webhook-id']);
      expect(delivery.attempts.map((t) => [t.attempt, t.outcome, t.httpStatus])).toEqual([
        [1, 'failed', 500],
        [2, 'succeeded', 200],
      ]);
      // WEBHOOK_RETRY_SCHEDULE=0,1,2 reached the dispatcher: 1 s before the retry, not the default 5 s.
      const [firstAt, secondAt] = delivery.attempts.map((t) => Date.parse(t.at));
      expect(secondAt! - firstAt!).toBeLessThan(4_000);
      for (const attempt of delivery.attempts) {
        expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
        expect(Number.isNaN(Date.parse(attempt.at))).toBe(false);
      }
    });

    it('410 Gone disables the subscription; GET shows it disabled with a reason', async () => {
      await waitForRequests(gone, 1, 'the attempt at the gone receiver');
      const subscription = await waitFor(
        async () => {
          const body = jsonOf<SubscriptionBody>(await a.subscription(goneSub.id));
          return body.status === 'disabled' && body;
        },
        DELIVERY_TIMEOUT_MS,
        'the subscription to be disabled',
      );
      expect(subscription.disabledReason).toMatch(/410|gone/i);
      const [delivery] = await deliveriesOf(a, goneSub.id);
      expect(delivery?.attempts[0]).toMatchObject({ outcome: 'failed', httpStatus: 410 });
      // No retry follows a 410.
      expect(gone.received).toHaveLength(1);
    });

    it('lists the delivery with its attempt (status, code, duration) and redelivers it with the same webhook-id', async () => {
      const delivered = await waitForDelivery(
        a,
        okSub.id,
        (d) => d.status === 'succeeded',
        'the delivery to the ok receiver to succeed',
      );
      expect(delivered.eventType).toBe('NewsItemPublished');
      expect(delivered.attempts).toHaveLength(1);
      expect(delivered.attempts[0]).toMatchObject({
        sequence: 1,
        attempt: 1,
        outcome: 'succeeded',
        httpStatus: 204,
      });
      expect(delivered.attempts[0]?.durationMs).toBeTypeOf('number');
      const before = ok.received.length;

      const redelivered = await a.redeliver(okSub.id, delivered.id);
      expect(redelivered.status).toBe(202);
      const requests = await waitForRequests(ok, before + 1, 'the redelivery');
      const again = requests[before];
      expect(again?.headers['webhook-id']).toBe(delivered.id);
      expect(again?.verifyError).toBeUndefined();

      const after = await waitForDelivery(
        a,
        okSub.id,
        (d) => d.id === delivered.id && d.attempts.some((t) => t.sequence === 2 && t.outcome === 'succeeded'),
        'the redelivery to be recorded',
      );
      expect(after.status).toBe('succeeded');
    });
  });

  describe('tenant isolation', () => {
    it("partner B gets 404 for partner A's subscription on every route", async () => {
      const [delivery] = await deliveriesOf(a, okSub.id);
      expect(delivery).toBeDefined();
      expect((await b.subscription(okSub.id)).status).toBe(404);
      expect((await b.deliveries(okSub.id)).status).toBe(404);
      expect((await b.redeliver(okSub.id, delivery!.id)).status).toBe(404);
      expect((await b.unsubscribe(okSub.id)).status).toBe(404);
      // A's subscription is untouched.
      expect(jsonOf<SubscriptionBody>(await a.subscription(okSub.id)).status).toBe('active');
    });

    it("partner B's receiver never gets partner A's events", async () => {
      const other = await new WebhookReceiver().start();
      try {
        const sub = await subscribe(b, other.url);
        other.verifyWith(sub.secret);
        const before = ok.received.length;
        const created = await a.submit(seedArticle());
        expect(created.status).toBe(201);
        await waitForRequests(ok, before + 1, "A's receiver to get the new item");
        expect(other.received).toHaveLength(0);
      } finally {
        await other.stop();
      }
    });
  });
});

describe('the production URL policy (a second cloud with WEBHOOKS_ALLOW_LOOPBACK=false)', () => {
  let strictStop: (() => Promise<void>) | undefined;
  let strict: PartnerApi;

  beforeAll(async () => {
    const started = await startSubscriberCloud('webhooks-strict', { WEBHOOKS_ALLOW_LOOPBACK: 'false' });
    strictStop = started.stop;
    const partner = await createPartner(started.dataDir, 'webhooks-strict');
    strict = partnerApi(started.cloud.endpoints, partner.apiKey);
  }, 180_000);

  afterAll(async () => {
    await strictStop?.();
  });

  it.each([...REFUSED_ANYWHERE, ...LOOPBACK_FORMS])(
    'refuses %s with 400 and a reason at /url',
    async (url) => {
      await expectRefused(strict, url);
    },
  );

  it('gives the reason: loopback for 0x7f000001, the resolved address for localhost', async () => {
    const numeric = jsonOf<{ errors: Array<{ message: string }> }>(
      await strict.subscribe({ url: 'http://0x7f000001/', eventTypes: ['NewsItemPublished'] }),
    );
    expect(numeric.errors[0]?.message).toMatch(/loopback/);
    const named = jsonOf<{ errors: Array<{ message: string }> }>(
      await strict.subscribe({ url: 'http://localhost:8080/', eventTypes: ['NewsItemPublished'] }),
    );
    expect(named.errors[0]?.message).toMatch(/localhost|loopback|127\.0\.0\.1|::1/);
  });
});

describe('connect-time blocking (the dispatcher sender, used directly)', () => {
  it('refuses a hostname resolving to 127.0.0.1 when loopback is not allowed; the receiver sees nothing', async () => {
    // The local cloud always opens loopback, so this case is proven with the dispatcher's own sender.
    const receiver = await new WebhookReceiver().start();
    try {
      const sender = new HttpWebhookSender({ allowLoopback: false, timeoutMs: 5_000 });
      const result = await sender.send({
        url: `http://localhost:${receiver.port}/hooks`,
        messageId: 'msg_connect_time',
        sentAt: new Date(),
        secrets: [newSigningSecret()],
        body: '{}',
      });
      expect(result).toMatchObject({
        kind: 'error',
        error: 'blocked: the host resolved to a non-public address',
      });
      expect(receiver.received).toHaveLength(0);

      // Control: the same request with loopback allowed reaches it.
      const allowed = await new HttpWebhookSender({ allowLoopback: true, timeoutMs: 5_000 }).send({
        url: `http://localhost:${receiver.port}/hooks`,
        messageId: 'msg_connect_time',
        sentAt: new Date(),
        secrets: [newSigningSecret()],
        body: '{}',
      });
      expect(allowed).toMatchObject({ kind: 'response', status: 204 });
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });
});
