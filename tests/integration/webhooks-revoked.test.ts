import { describe, expect, it } from 'vitest';
import { HttpWebhookSender } from '#shared/adapters/webhooks/http-sender.ts';
import { newId } from '#shared/domain/ids.ts';
import {
  Dispatcher,
  deliveryIdOf,
  disablePartnerSubscriptions,
  fanOut,
} from '#shared/domain/webhooks/index.ts';
import {
  activePartner,
  B,
  call,
  deliveries,
  drain,
  freshPartnerStatus,
  itemEvent,
  pacer,
  partnerStore,
  queue,
  receiver,
  subscribe,
  subscriptions,
} from '../support/webhooks-setup';

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
