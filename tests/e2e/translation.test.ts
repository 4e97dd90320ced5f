/**
 * The translator on the local cloud, against a Translate-protocol test server (the cloud is started
 * with AWS_ENDPOINT_URL_TRANSLATE pointing at it): the headline packed with the body into as few
 * requests as fit (a short item is ONE call), chunking of a long Arabic body, reassembly of the
 * stored translation, no second call on a duplicate event, no translation of a retracted item,
 * retries of a throttled call, and characters billed = characters sent.
 */
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceName } from '#infra/config.ts';

import {
  type LocalTranslateServer,
  startLocalTranslateServer,
  THROTTLING,
  type TranslateCall,
} from '../support/local-translate-server';
import { type BusRecord, eventsOnBus, invocationsOf, jsonOf, waitFor } from './support/helpers';
import type { RunningCloud } from './support/local-cloud';
import {
  createPartner,
  entitlePartner,
  longArabicBody,
  type PartnerApi,
  partnerApi,
  startSubscriberCloud,
  wordsOf,
} from './support/subscribers';

const MAX_TEXT_BYTES = 10_000;
const TRANSLATION_TIMEOUT_MS = 60_000;
const TRANSLATOR_FUNCTION = resourceName('dev', 'translator');

interface TranslationBody {
  itemId: string;
  version: number;
  language: string;
  sourceLanguage: string;
  status: 'translated' | 'skipped';
  reason?: string;
  headlines: Array<{ value: string }>;
  bodies: Array<{ value: string; role?: string; contenttype?: string }>;
  charactersBilled: number;
}

let server: LocalTranslateServer;
let cloud: RunningCloud;
let stopCloud: (() => Promise<void>) | undefined;
let api: PartnerApi;
let eventBridge: EventBridgeClient;
let dataDir: string;
let sourcePartnerId: string;

beforeAll(async () => {
  server = await startLocalTranslateServer();
  const started = await startSubscriberCloud('translation', { AWS_ENDPOINT_URL_TRANSLATE: server.endpoint });
  cloud = started.cloud;
  stopCloud = started.stop;
  dataDir = started.dataDir;
  const partner = await createPartner(started.dataDir, 'translation');
  sourcePartnerId = partner.partnerId;
  api = partnerApi(cloud.endpoints, partner.apiKey);
  eventBridge = new EventBridgeClient({
    endpoint: cloud.endpoints.eventbridge,
    region: cloud.endpoints.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}, 180_000);

afterAll(async () => {
  eventBridge?.destroy();
  await stopCloud?.();
  await server?.close();
});

const codePoints = (text: string) => [...text].length;
const nonWhitespaceCodePoints = (text: string) => [...text.replace(/\s+/gu, '')].length;

/** Submits an Arabic item and returns its id. */
async function submit(headline: string, body: string): Promise<string> {
  const created = await api.submit({
    uri: `urn:diplowire:e2e:translation:${randomUUID()}`,
    language: 'ar',
    headlines: [{ value: headline }],
    bodies: [{ role: 'main', contenttype: 'text/plain', value: body }],
  });
  if (created.status !== 201) throw new Error(`submit answered ${created.status}: ${created.text}`);
  return jsonOf<{ id: string }>(created).id;
}

function waitForTranslation(itemId: string): Promise<TranslationBody> {
  return waitFor(
    async () => {
      const result = await api.translation(itemId, 'en');
      if (result.status !== 200) return undefined;
      const translation = jsonOf<TranslationBody>(result);
      return translation.status === 'translated' && translation;
    },
    TRANSLATION_TIMEOUT_MS,
    `the English translation of ${itemId}`,
  );
}

/**
 * The calls the server received for one item, told apart by its (unique) headline and body: every
 * blank-line-separated unit of the call's text is the headline or a piece of the body.
 */
function callsFor(headline: string, body: string): TranslateCall[] {
  return server.calls.filter((call) =>
    unitsOf(call).every((unit) => unit === headline || (unit !== '' && body.includes(unit))),
  );
}

/** The units packed into one request (the translator joins them with a blank line). */
const unitsOf = (call: TranslateCall) => call.text.split('\n\n');

function busEvent(itemId: string, detailType: string, version: number): Promise<BusRecord> {
  return waitFor(
    async () =>
      (await eventsOnBus(cloud.endpoints)).find(
        (r) =>
          r.event['detail-type'] === detailType &&
          r.event.detail.itemId === itemId &&
          r.event.detail.version === version,
      ),
    TRANSLATION_TIMEOUT_MS,
    `${detailType} v${version} of ${itemId}`,
  );
}

const translatorDelivery = (record: BusRecord | undefined) =>
  record?.deliveries.find((d) => /translator/.test(d.rule));

describe('a 30 KB Arabic body', () => {
  const headline = `الكويت وبلجيكا تبحثان العلاقات الثنائية ${randomUUID().slice(0, 8)}`;
  const body = `${longArabicBody(30_000)}\n\nمعرف ${randomUUID()}`;
  let itemId: string;
  let translation: TranslationBody;
  let calls: TranslateCall[];

  beforeAll(async () => {
    itemId = await submit(headline, body);
    translation = await waitForTranslation(itemId);
    calls = callsFor(headline, body);
  }, TRANSLATION_TIMEOUT_MS + 10_000);

  it('is packed with its headline into as few requests of at most 10,000 UTF-8 bytes as fit', () => {
    expect(Buffer.byteLength(body, 'utf8')).toBeGreaterThanOrEqual(30_000);
    const minimum = Math.ceil(Buffer.byteLength(`${headline}\n\n${body}`, 'utf8') / MAX_TEXT_BYTES);
    // Greedy packing at paragraph (then sentence) boundaries wastes less than one unit per request.
    expect(calls.length).toBeGreaterThanOrEqual(minimum);
    expect(calls.length).toBeLessThanOrEqual(minimum + 1);
    // The headline rides in the first request, not in a call of its own.
    expect(calls[0]?.text.startsWith(`${headline}\n\n`)).toBe(true);
    expect(calls.filter((call) => unitsOf(call).includes(headline))).toHaveLength(1);
    for (const call of calls) {
      expect(call.operation).toBe('TranslateText');
      expect(call).toMatchObject({ sourceLanguage: 'ar', targetLanguage: 'en', status: 200 });
      expect(Buffer.byteLength(call.text, 'utf8')).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    }
  });

  it('never splits a word: the requests, in order, hold exactly the words of the headline and body', () => {
    expect(wordsOf(calls.map((call) => call.text).join(' '))).toEqual(wordsOf(`${headline} ${body}`));
    // After the headline, every unit is a piece of the body, in order.
    const bodyUnits = calls.flatMap(unitsOf).slice(1);
    let from = 0;
    for (const unit of bodyUnits) {
      const at = body.indexOf(unit, from);
      expect(at).toBeGreaterThanOrEqual(from);
      from = at + unit.length;
    }
  });

  it('is stored reassembled in order (GET /v1/items/{id}/translations/en)', () => {
    expect(translation).toMatchObject({ itemId, version: 1, language: 'en', sourceLanguage: 'ar' });
    expect(translation.headlines.map((h) => h.value)).toEqual([`[en] ${headline}`]);
    expect(translation.bodies).toHaveLength(1);
    const translated = translation.bodies[0]?.value ?? '';
    // The test server prefixes each request's text with "[en] ": the first one went to the headline,
    // every later one to the body paragraph that opened that request. Without the prefixes, the
    // body comes back exactly, separators included.
    expect(translated.split('[en] ').length - 1).toBe(calls.length - 1);
    expect(translated.replaceAll('[en] ', '')).toBe(body);
  });

  it('bills the characters sent, and every source character is sent once', () => {
    const sent = callsFor(headline, body);
    expect(sent.every((call) => call.status === 200)).toBe(true);
    const sentCodePoints = sent.reduce((sum, call) => sum + codePoints(call.text), 0);
    expect(translation.charactersBilled).toBe(sentCodePoints);
    const sentVisible = sent.reduce((sum, call) => sum + nonWhitespaceCodePoints(call.text), 0);
    expect(sentVisible).toBe(nonWhitespaceCodePoints(headline) + nonWhitespaceCodePoints(body));
  });

  it('a duplicate of the event (PutEvents through the real SDK) makes no second call', async () => {
    const published = await busEvent(itemId, 'NewsItemPublished', 1);
    // The stored translation can be read before its invocation has finished publishing: read the
    // delivery afresh until it is done.
    await waitFor(
      async () => {
        const record = (await eventsOnBus(cloud.endpoints)).find((r) => r.event.id === published.event.id);
        return translatorDelivery(record)?.outcome === 'delivered' || undefined;
      },
      TRANSLATION_TIMEOUT_MS,
      'the first delivery to the translator',
    );
    const callsBefore = callsFor(headline, body).length;
    // Its NewsItemTranslated follows through the items table's outbox (stream, publisher, bus).
    const announced = await busEvent(itemId, 'NewsItemTranslated', 1);

    const put = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: cloud.endpoints.eventBusName,
            Source: published.event.source,
            DetailType: published.event['detail-type'],
            Detail: JSON.stringify(published.event.detail),
          },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
    const replayId = put.Entries?.[0]?.EventId;
    expect(replayId).toBeTruthy();

    const replay = await waitFor(
      async () => {
        const record = (await eventsOnBus(cloud.endpoints)).find((r) => r.event.id === replayId);
        return translatorDelivery(record)?.outcome === 'delivered' && record;
      },
      TRANSLATION_TIMEOUT_MS,
      'the replayed event to be handled by the translator',
    );
    expect(replay.event.detail.eventId).toBe(published.event.detail.eventId);
    expect(callsFor(headline, body)).toHaveLength(callsBefore);
    // Nor is a second NewsItemTranslated published for the version.
    const translatedEvents = (await eventsOnBus(cloud.endpoints)).filter(
      (r) => r.event['detail-type'] === 'NewsItemTranslated' && r.event.detail.itemId === itemId,
    );
    expect(translatedEvents.map((r) => r.event.id)).toEqual([announced.event.id]);
    expect(translatedEvents[0]?.event.detail).toMatchObject({
      status: 'translated',
      charactersBilled: translation.charactersBilled,
    });
  });
});

describe('a throttled call', () => {
  it('is retried and the translation succeeds with one successful call for headline and body', async () => {
    const headline = `عنوان مقيد ${randomUUID().slice(0, 8)}`;
    const body = `نص قصير للترجمة ${randomUUID()}`;
    server.failNext(1, THROTTLING);
    const itemId = await submit(headline, body);
    const translation = await waitForTranslation(itemId);
    // One request "headline\n\nbody": the server's "[en] " prefix lands on the headline paragraph.
    expect(translation.headlines[0]?.value).toBe(`[en] ${headline}`);
    expect(translation.bodies[0]?.value).toBe(body);

    const calls = callsFor(headline, body);
    const throttled = calls.filter((call) => call.errorType === 'ThrottlingException');
    expect(throttled).toHaveLength(1);
    const succeeded = calls.filter((call) => call.status === 200);
    expect(succeeded.map((call) => call.text)).toEqual([`${headline}\n\n${body}`]);
    // The throttled request was sent again, unchanged, and succeeded.
    expect(throttled[0]?.text).toBe(succeeded[0]?.text);
    expect(translation.charactersBilled).toBe(codePoints(succeeded[0]?.text ?? ''));
  });
});

describe('a retracted item', () => {
  it('is not translated: the attempt after the retraction sends nothing and records "item retracted"', async () => {
    const headline = `خبر سيسحب ${randomUUID().slice(0, 8)}`;
    const body = `نص خبر سيسحب قبل ترجمته ${randomUUID()}`;
    // Translate fails until the retraction is in, so the first version cannot be translated before it.
    server.failAlways(THROTTLING);
    try {
      const itemId = await submit(headline, body);
      await waitFor(
        () => callsFor(headline, body).length > 0,
        TRANSLATION_TIMEOUT_MS,
        'a first (failing) call',
      );

      const retracted = await api.retract(itemId, '"1"');
      expect(retracted.status).toBe(200);
      expect(jsonOf(retracted)).toMatchObject({ version: 2, pubstatus: 'canceled' });
      const retractedAt = Date.now();

      // Lambda retries the failed asynchronous invocation: wait for an attempt that started after the
      // retraction (it must decide "retracted" and send nothing), and for it to finish.
      await waitFor(
        async () =>
          (await invocationsOf(cloud.endpoints, TRANSLATOR_FUNCTION, itemId)).some(
            (run) => Date.parse(run.startedAt) >= retractedAt,
          ),
        TRANSLATION_TIMEOUT_MS,
        'a translator attempt after the retraction',
      );
      const callsAfterRetraction = callsFor(headline, body).length;

      const outcome = await busEvent(itemId, 'NewsItemTranslated', 1);
      expect(outcome.event.detail).toMatchObject({
        status: 'skipped',
        reason: 'item retracted',
        charactersBilled: 0,
      });
      expect(callsFor(headline, body)).toHaveLength(callsAfterRetraction);
      expect(callsFor(headline, body).some((call) => call.status === 200)).toBe(false);

      // The retraction itself (version 2) is not sent to the translator at all.
      const retraction = await busEvent(itemId, 'NewsItemRetracted', 2);
      expect(translatorDelivery(retraction)).toBeUndefined();
      // Nothing translated is served for the item.
      const read = await api.translation(itemId, 'en');
      expect(read.status === 404 || jsonOf<TranslationBody>(read).status === 'skipped').toBe(true);
    } finally {
      server.reset();
    }
  }, 120_000);
});

describe('translations in the consumer feed', () => {
  interface FeedEntry {
    eventId: string;
    type: string;
    itemId: string;
    version: number;
    language: string;
    translationLanguage?: string;
    translation?: { language: string; headlines: { value: string }[]; bodies: { value: string }[] };
  }

  async function consumer(name: string, languages: string): Promise<PartnerApi> {
    const created = await createPartner(dataDir, name, ['feed:read']);
    await entitlePartner(dataDir, created.partnerId, { sources: sourcePartnerId, languages });
    return partnerApi(cloud.endpoints, created.apiKey);
  }

  async function entriesOf(reader: PartnerApi, itemId: string, query = ''): Promise<FeedEntry[]> {
    const entries: FeedEntry[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await reader.request(
        'GET',
        `/v1/feed?limit=200${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      const body = jsonOf<{ entries: FeedEntry[]; cursor: string }>(page);
      entries.push(...body.entries.filter((entry) => entry.itemId === itemId));
      if (body.entries.length === 0) return entries;
      cursor = body.cursor;
    }
  }

  it('reach a consumer entitled to the source language, as their own entry and through lang=', async () => {
    const arabic = await consumer('feed-arabic', 'ar');
    const french = await consumer('feed-french', 'fr');
    const headline = `بيان ${randomUUID().slice(0, 8)}`;
    const itemId = await submit(headline, 'نص البيان الصحفي');
    const translation = await waitForTranslation(itemId);

    const entries = await waitFor(
      async () => {
        const seen = await entriesOf(arabic, itemId);
        return seen.some((entry) => entry.type === 'NewsItemTranslated') && seen;
      },
      TRANSLATION_TIMEOUT_MS,
      `the translation of ${itemId} in the feed`,
    );
    expect(entries.map((entry) => entry.type)).toEqual(['NewsItemPublished', 'NewsItemTranslated']);
    const translated = entries[1]!;
    expect(translated).toMatchObject({ itemId, version: 1, language: 'ar', translationLanguage: 'en' });
    expect(translated.translation?.headlines).toEqual(translation.headlines.map(({ value }) => ({ value })));
    expect(translated.translation?.headlines[0]?.value).toBe(`[en] ${headline}`);

    // lang=en attaches the same translation to the published entry.
    const withLang = await entriesOf(arabic, itemId, '&lang=en');
    expect(withLang[0]?.translation?.headlines[0]?.value).toBe(`[en] ${headline}`);

    // A consumer entitled to other languages sees neither the item nor its translation.
    expect(await entriesOf(french, itemId)).toEqual([]);
  });
});
