import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fanOut } from '#shared/domain/webhooks/index.ts';
import {
  A,
  B,
  call,
  deliveries,
  dispatcher,
  drain,
  itemEvent,
  partners,
  queue,
  receiver,
  setStoredUrl,
  subscribe,
  subscriptions,
} from '../support/webhooks-setup';

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
