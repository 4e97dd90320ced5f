/**
 * Counting on the local cloud: 100 submissions lead to exactly 100 verified NewsItemPublished
 * webhooks and 100 translations, with no duplicate side effect (exactly one Translate call per
 * version: a short item's headline and body are packed into one request; one webhook-id per event).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalTranslateServer, startLocalTranslateServer } from '../support/local-translate-server';
import { WebhookReceiver } from '../support/webhook-receiver';
import { jsonOf, waitFor } from './support/helpers';
import {
  createPartner,
  type PartnerApi,
  partnerApi,
  startSubscriberCloud,
  subscribe,
} from './support/subscribers';

const ITEMS = 100;
const CONCURRENCY = 8;

let server: LocalTranslateServer;
let stopCloud: (() => Promise<void>) | undefined;
let api: PartnerApi;
const receiver = new WebhookReceiver();

beforeAll(async () => {
  server = await startLocalTranslateServer();
  const started = await startSubscriberCloud('counting', { AWS_ENDPOINT_URL_TRANSLATE: server.endpoint });
  stopCloud = started.stop;
  const partner = await createPartner(started.dataDir, 'counting');
  api = partnerApi(started.cloud.endpoints, partner.apiKey);
  await receiver.start();
  const subscription = await subscribe(api, receiver.url, ['NewsItemPublished']);
  receiver.verifyWith(subscription.secret);
}, 180_000);

afterAll(async () => {
  await receiver.stop();
  await stopCloud?.();
  await server?.close();
});

describe('100 submissions', () => {
  it('lead to 100 verified deliveries and 100 translations, nothing missing, nothing twice', async () => {
    const run = randomUUID().slice(0, 8);
    const items: Array<{ id: string; headline: string; body: string }> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < ITEMS) {
          const n = next++;
          const headline = `خبر رقم ${n} ${run}`;
          const body = `نص الخبر رقم ${n} في الدفعة ${run}`;
          const created = await api.submit({
            uri: `urn:diplowire:e2e:counting:${run}:${n}`,
            language: 'ar',
            headlines: [{ value: headline }],
            bodies: [{ role: 'main', contenttype: 'text/plain', value: body }],
          });
          expect(created.status).toBe(201);
          items.push({ id: jsonOf<{ id: string }>(created).id, headline, body });
        }
      }),
    );
    expect(items).toHaveLength(ITEMS);
    const ids = new Set(items.map((item) => item.id));

    const published = () =>
      receiver.received.filter((r) => {
        const data = (r.verified as { type?: string; data?: { itemId?: string } } | undefined)?.data;
        return data?.itemId !== undefined && ids.has(data.itemId);
      });
    const translated = async () => {
      let count = 0;
      for (const item of items) {
        const result = await api.translation(item.id, 'en');
        if (result.status === 200 && jsonOf<{ status: string }>(result).status === 'translated') count++;
      }
      return count;
    };
    await waitFor(
      () => new Set(published().map((r) => r.headers['webhook-id'])).size >= ITEMS,
      120_000,
      '100 deliveries',
      500,
    );
    await waitFor(async () => (await translated()) >= ITEMS || undefined, 120_000, '100 translations', 1000);
    // Let late duplicates, if any, arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    // Webhooks: every request verified; one webhook-id per item; every item delivered.
    const requests = published();
    expect(receiver.received.filter((r) => r.verifyError !== undefined)).toEqual([]);
    const webhookIdsPerItem = new Map<string, Set<string>>();
    for (const r of requests) {
      const itemId = (r.verified as { data: { itemId: string } }).data.itemId;
      const set = webhookIdsPerItem.get(itemId) ?? new Set<string>();
      set.add(String(r.headers['webhook-id']));
      webhookIdsPerItem.set(itemId, set);
    }
    const missingDeliveries = items.filter((item) => !webhookIdsPerItem.has(item.id)).length;
    const duplicateDeliveryIds = [...webhookIdsPerItem.values()].filter((set) => set.size > 1).length;
    const redeliveredRequests = requests.length - webhookIdsPerItem.size;

    // Translate: exactly one call per version, "headline\n\nbody", and no other call at all.
    let missingTranslations = 0;
    let duplicateCalls = 0;
    for (const item of items) {
      const request = `${item.headline}\n\n${item.body}`;
      const calls = server.calls.filter((call) => call.text === request).length;
      if (calls === 0) missingTranslations++;
      if (calls > 1) duplicateCalls += calls - 1;
    }
    const missing = missingDeliveries + missingTranslations;
    const duplicates = duplicateDeliveryIds + duplicateCalls;
    console.log(
      `missing=${missing} duplicates=${duplicates} (deliveries: missing=${missingDeliveries} ` +
        `webhook-ids-per-event>1=${duplicateDeliveryIds} repeated-requests=${redeliveredRequests}; ` +
        `translate: missing=${missingTranslations} extra-calls=${duplicateCalls}, calls=${server.translatedCalls.length})`,
    );
    expect(await translated()).toBe(ITEMS);
    // 100 short items, 100 calls: nothing failed, nothing retried, nothing sent piecewise.
    expect(server.calls).toHaveLength(ITEMS);
    expect(server.translatedCalls).toHaveLength(ITEMS);
    expect(missing).toBe(0);
    expect(duplicates).toBe(0);
    // At-least-once allows a repeated request with the same webhook-id, but nothing provokes one here.
    expect(redeliveredRequests).toBe(0);
  }, 170_000);
});
