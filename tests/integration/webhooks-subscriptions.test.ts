import { describe, expect, it } from 'vitest';
import { httpEvent, lambdaContext, partnerContext } from '../support/api-events';
import { A, api, B, call, deliveries, SCOPES, subscribe, subscriptions } from '../support/webhooks-setup';

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
