import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disableAfterSecondsFromEnv, retryScheduleFromEnv } from '#shared/adapters/webhooks/config.ts';
import { newId } from '#shared/domain/ids.ts';
import { deliveryIdOf, fanOut } from '#shared/domain/webhooks/index.ts';
import { WebhookReceiver } from '../support/webhook-receiver';
import {
  activePartner,
  call,
  deliveries,
  dispatcher,
  itemEvent,
  manualClock,
  partners,
  queue,
  queuedAttempt,
  queuedAttempts,
  subscribe,
  subscriptions,
} from '../support/webhooks-setup';

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
    return dispatcher({
      schedule: retryScheduleFromEnv(env),
      disableAfterSeconds: disableAfterSecondsFromEnv(env),
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
