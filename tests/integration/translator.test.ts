import { createHash } from 'node:crypto';
import { DescribeTableCommand, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { TranslateClient } from '@aws-sdk/client-translate';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import {
  isOutboxRecord,
  eventOf as outboxEventOf,
} from '#functions/outbox-publisher/publish-stream-records.ts';
import { readTranslatorConfig } from '#functions/translator/config.ts';
import { createTranslatorHandler } from '#functions/translator/translator.ts';
import { TRANSLATOR_TIMEOUT_SECONDS } from '#infra/stacks/subscribers-stack.ts';
import { StreamReader } from '#local/dynamodb/stream-reader.ts';
import { DynamoItemStore } from '#shared/adapters/dynamodb/item-store.ts';
import { translationPk, translationSkPrefix } from '#shared/adapters/dynamodb/table-design.ts';
import { DynamoTranslationStore } from '#shared/adapters/dynamodb/translation-store.ts';
import {
  DedupeInProgressError,
  DynamoDedupeStore,
  defineSubscriber,
  InvalidEventError,
  type SubscriberHandler,
} from '#shared/adapters/subscriber/index.ts';
import { AmazonTranslator } from '#shared/adapters/translate/amazon-translator.ts';
import { versionPath } from '#shared/contracts/api/paths.ts';
import { type NewsItemDetailV1, NewsItemTranslatedDetailV1 } from '#shared/contracts/events/index.ts';
import { toNewsItemEvent, toReleaseEvent } from '#shared/domain/events.ts';
import { newId } from '#shared/domain/ids.ts';
import type { ItemVersion, NinjsDocument, Pubstatus } from '#shared/domain/item.ts';
import { characterCount, utf8ByteLength } from '#shared/domain/translation/chunking.ts';
import type { TranslationProvider } from '#shared/domain/translation/model.ts';
import { translationEventIdOf } from '#shared/domain/translation/model.ts';
import { TranslationInProgressError, TranslationService } from '#shared/domain/translation/service.ts';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import {
  type LocalTranslateServer,
  SERVICE_UNAVAILABLE,
  startLocalTranslateServer,
  THROTTLING,
  TOO_MANY_REQUESTS,
  UNSUPPORTED_PAIR,
} from '../support/local-translate-server';
import { createItemsTable } from '../support/tables';

interface Published {
  source: string;
  detailType: string;
  detail: NewsItemTranslatedDetailV1;
}
let published: Published[];
let stream: StreamReader;

/**
 * The NewsItemTranslated events published so far in this test: the translator announces an outcome
 * by writing its row, and the outbox publisher turns the items table's stream records into events.
 * So this reads the table's real stream (DynamoDB Local) and maps it with the outbox's own code.
 */
async function outbox(): Promise<Published[]> {
  for (const record of await stream.readAvailable()) {
    if (!isOutboxRecord(record)) continue;
    const event = outboxEventOf(record);
    if (event.detailType !== 'NewsItemTranslated') continue;
    published.push({
      source: event.source,
      detailType: event.detailType,
      detail: NewsItemTranslatedDetailV1.parse(event.detail),
    });
  }
  return published;
}

const context = {
  functionName: 'translator',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:translator',
  memoryLimitInMB: '512',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/translator',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

let server: LocalTranslateServer;
let items: DynamoItemStore;
let translations: DynamoTranslationStore;
let tableName: string;
let client: DynamoDBClient;
const savedEnv = { ...process.env };

/** The translator handler wired like functions/translator/handler.ts, but on local endpoints. */
function translatorHandler(
  provider: TranslationProvider = 'aws',
  targetLanguages = ['en'],
): SubscriberHandler {
  const translate = new TranslateClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
  const service = new TranslationService({
    items,
    store: translations,
    translator: new AmazonTranslator(translate, { maxAttempts: 3, sleep: async () => {} }),
    settings: { targetLanguages, provider, leaseMs: 60_000 },
  });
  return createTranslatorHandler({ service });
}

const SENTENCE =
  'أجرى نائب وزير الخارجية الكويتي اتصالاً هاتفياً بأمين عام وزارة الخارجية البلجيكية؛ هل بحثا التعاون؟ ';

function document(version: number, pubstatus: Pubstatus, bodies?: NinjsDocument['bodies']): NinjsDocument {
  return {
    uri: 'urn:kuna:test',
    language: 'ar',
    pubstatus,
    headlines: [
      { role: 'main', value: `الكويت وبلجيكا تبحثان تعزيز العلاقات — ${version}` },
      { role: 'sub', value: 'اتصال هاتفي بين الوزارتين' },
    ],
    bodies: bodies ?? [
      { role: 'main', contenttype: 'text/plain', value: `${SENTENCE}\n\nالنسخة ${version}.` },
    ],
  };
}

function versionOf(itemId: string, partnerId: string, version: number, doc: NinjsDocument): ItemVersion {
  return {
    itemId,
    version,
    partnerId,
    uri: `urn:kuna:test:${itemId}`,
    language: doc.language,
    pubstatus: doc.pubstatus ?? 'usable',
    receivedAt: new Date(Date.UTC(2024, 10, 28, 9, 0, version)).toISOString(),
    contentHash: createHash('sha256').update(JSON.stringify(doc)).digest('hex'),
    document: { ...doc, uri: `urn:kuna:test:${itemId}` },
  };
}

/** Writes an item's versions through the real item store (as the API would). */
async function writeItem(documents: NinjsDocument[]): Promise<ItemVersion[]> {
  const itemId = newId('itm');
  const partnerId = newId('ptn');
  const versions = documents.map((doc, i) => versionOf(itemId, partnerId, i + 1, doc));
  expect(await items.createItem(versions[0]!)).toEqual({ created: true });
  for (const next of versions.slice(1)) {
    expect(await items.appendVersion(next, (await items.getHead(itemId))!)).toBe(true);
  }
  return versions;
}

/** The EventBridge event the outbox publisher puts on the bus for `version`. */
function eventOf(version: ItemVersion, detail?: NewsItemDetailV1): EventBridgeEvent<string, unknown> {
  const event = toNewsItemEvent(version);
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': event.detailType,
    source: event.source,
    account: '123456789012',
    time: '2024-11-28T09:41:08Z',
    region: 'us-east-1',
    resources: [],
    detail: detail ?? event.detail,
  };
}

/** The translation row of version 1 in English, as stored (claims included). */
async function claimRow(itemId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: tableName,
      Key: marshall({ PK: translationPk(itemId), SK: `${translationSkPrefix('en')}V#000000001` }),
      ConsistentRead: true,
    }),
  );
  return Item && unmarshall(Item);
}

/** The translator as the subscribers stack deploys it (infra/stacks/subscribers-stack.ts). */
const deployedTranslator = {
  timeoutSeconds: TRANSLATOR_TIMEOUT_SECONDS,
  leaseSeconds: String(TRANSLATOR_TIMEOUT_SECONDS),
};

const sourceCharacters = (texts: string[]) => texts.reduce((sum, t) => sum + characterCount(t), 0);
const visibleCharacters = (texts: string[]) => sourceCharacters(texts.map((t) => t.replace(/\s+/gu, '')));

beforeAll(async () => {
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
  server = await startLocalTranslateServer();
  client = localDynamoClient();
  tableName = await createItemsTable(client, uniqueTableName('translator'));
  items = new DynamoItemStore(client, tableName);
  translations = new DynamoTranslationStore(client, tableName);
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const streams = new DynamoDBStreamsClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  stream = new StreamReader(streams, Table!.LatestStreamArn!);
});

afterAll(async () => {
  process.env = savedEnv;
  await server.close();
});

beforeEach(async () => {
  server.reset();
  await stream.readAvailable(); // what earlier tests wrote
  published = [];
});

describe('translator', () => {
  it('translates a published Arabic item, stores it linked to the version and publishes NewsItemTranslated', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    const event = eventOf(v1!);
    await translatorHandler()(event, context);

    const detail = event.detail as NewsItemDetailV1;
    const bodies = detail.bodies!.map((b) => b.value);
    // Inline events carry the first headline; it is packed with the body's paragraphs into ONE
    // request, blank line between units, each source character sent once.
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]).toMatchObject({
      operation: 'TranslateText',
      sourceLanguage: 'ar',
      targetLanguage: 'en',
    });
    expect(server.calls[0]!.text).toBe(`${detail.headline}\n\n${SENTENCE.trimEnd()}\n\nالنسخة 1.`);
    expect(visibleCharacters(server.calls.map((c) => c.text))).toBe(
      visibleCharacters([detail.headline, ...bodies]),
    );
    // Billed = what was sent (the separators included), and nothing else.
    const expectedCharacters = sourceCharacters(server.calls.map((c) => c.text));
    expect(server.charactersTranslated).toBe(expectedCharacters);

    const stored = await translations.get(v1!.itemId, 'en');
    expect(stored).toMatchObject({
      itemId: v1!.itemId,
      version: 1,
      language: 'en',
      sourceLanguage: 'ar',
      provider: 'aws',
      status: 'translated',
      charactersBilled: expectedCharacters,
      headlines: [{ value: `[en] ${detail.headline}` }],
    });
    // The answer is split back on its blank lines: the first paragraph (the one the test server
    // prefixed) is the headline; the body keeps its own separators, trailing space included.
    expect(stored!.bodies).toEqual([
      { role: 'main', contenttype: 'text/plain', value: `${SENTENCE}\n\nالنسخة 1.` },
    ]);
    expect(await translations.getVersion(v1!.itemId, 1, 'en')).toEqual(stored);

    expect(await outbox()).toHaveLength(1);
    expect((await outbox())[0]).toMatchObject({
      source: 'diplowire.items',
      detailType: 'NewsItemTranslated',
    });
    expect((await outbox())[0]!.detail).toEqual({
      schemaVersion: '1',
      eventId: translationEventIdOf({ itemId: v1!.itemId, version: 1, language: 'en' }),
      itemId: v1!.itemId,
      version: 1,
      partnerId: v1!.partnerId,
      uri: v1!.uri,
      sourceLanguage: 'ar',
      language: 'en',
      provider: 'aws',
      status: 'translated',
      charactersBilled: expectedCharacters,
      translatedAt: stored!.translatedAt,
      headline: `[en] ${detail.headline}`,
    });
  });

  it('makes no second TranslateText call for a duplicated or redelivered event', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    const handler = translatorHandler();
    await handler(eventOf(v1!), context);
    const calls = server.calls.length;
    // Redelivery: same detail (same eventId), new envelope id.
    await handler(eventOf(v1!), context);
    await translatorHandler()(eventOf(v1!), context);
    expect(server.calls).toHaveLength(calls);
    expect(await outbox()).toHaveLength(1);
  });

  it('lets only one of two concurrent duplicates translate; the other is retried later, not dropped', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    const handler = translatorHandler();
    const results = await Promise.allSettled([
      handler(eventOf(v1!), context),
      handler(eventOf(v1!), context),
    ]);
    const rejected = results.filter((r) => r.status === 'rejected');
    // Either the second one saw the finished translation or the live lease (and must be retried).
    for (const r of rejected)
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TranslationInProgressError);
    expect(server.calls).toHaveLength(1); // headline + body packed, once
    await handler(eventOf(v1!), context); // the EventBridge retry of the loser
    expect(server.calls).toHaveLength(1);
    // The outcome and its announcement are one write: exactly one event.
    const eventId = translationEventIdOf({ itemId: v1!.itemId, version: 1, language: 'en' });
    expect((await outbox()).map((p) => p.detail.eventId)).toEqual([eventId]);
  });

  /** A version held by an embargo until `until`, written through the real item store. */
  async function writeHeldItem(until: string): Promise<ItemVersion> {
    const version: ItemVersion = {
      ...versionOf(newId('itm'), newId('ptn'), 1, document(1, 'usable')),
      hold: { kind: 'embargo', until },
    };
    expect(await items.createItem(version)).toEqual({ created: true });
    return version;
  }

  /** The public event the outbox publishes when `version` is released at `releasedAt`. */
  function releaseEventOf(version: ItemVersion, releasedAt: string): EventBridgeEvent<string, unknown> {
    const release = toReleaseEvent(version, releasedAt);
    return {
      ...eventOf(version),
      source: release.source,
      'detail-type': release.detailType,
      detail: release.detail,
    };
  }

  it('translates a held version without announcing it; its release announces it once, whatever the duplicates', async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const held = await writeHeldItem(until);
    const embargoed = eventOf(held);
    expect(embargoed['detail-type']).toBe('NewsItemEmbargoed');
    await translatorHandler()(embargoed, context);
    await translatorHandler()(embargoed, context); // redelivered while still held
    expect(server.calls).toHaveLength(1);
    expect(await translations.getVersion(held.itemId, 1, 'en')).toMatchObject({ status: 'translated' });
    expect(await claimRow(held.itemId)).not.toHaveProperty('announcedAt');
    // Ready for the release, but no public subscriber can learn of it yet.
    expect(await outbox()).toEqual([]);

    // The release's public event reaches the translator, here three times at once.
    const released = releaseEventOf(held, until);
    const results = await Promise.allSettled([1, 2, 3].map(() => translatorHandler()(released, context)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const key = { itemId: held.itemId, version: 1, language: 'en' };
    expect((await outbox()).map((p) => p.detail)).toEqual([
      expect.objectContaining({ eventId: translationEventIdOf(key), version: 1, status: 'translated' }),
    ]);
    expect(await claimRow(held.itemId)).toHaveProperty('announcedAt');
    await translatorHandler()(released, context); // a later redelivery
    expect(await outbox()).toHaveLength(1);
    expect(server.calls).toHaveLength(1); // translated once, during the embargo
  });

  it('announces the translation of a version released before its held event reached the translator, and nothing more', async () => {
    const until = new Date(Date.now() - 1_000).toISOString();
    const held = await writeHeldItem(until);
    // The release event comes first (the held event was retried): translated and announced at once.
    await translatorHandler()(releaseEventOf(held, until), context);
    await translatorHandler()(eventOf(held), context); // the late NewsItemEmbargoed
    expect(server.calls).toHaveLength(1);
    expect((await outbox()).map((p) => p.detail.version)).toEqual([1]);
  });

  it.each([
    ['ThrottlingException (400)', THROTTLING],
    ['TooManyRequestsException (429)', TOO_MANY_REQUESTS],
    ['ServiceUnavailableException (503)', SERVICE_UNAVAILABLE],
  ])('retries a call failing with %s, then succeeds', async (_, failure) => {
    const [v1] = await writeItem([document(1, 'usable')]);
    server.failNext(3, failure); // more than the SDK's 2 attempts: our own retry has to step in
    await translatorHandler()(eventOf(v1!), context);
    expect(server.calls.filter((c) => c.errorType === failure.type)).toHaveLength(3);
    expect(server.translatedCalls).toHaveLength(1);
    expect(server.calls.map((c) => c.text)).toEqual(Array(4).fill(server.translatedCalls[0]!.text));
    expect((await translations.get(v1!.itemId, 'en'))?.status).toBe('translated');
    expect(await outbox()).toHaveLength(1);
  });

  it('throws on persistent throttling, records nothing and releases the claim for the retry', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    server.failAlways(THROTTLING);
    await expect(translatorHandler()(eventOf(v1!), context)).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(server.calls).toHaveLength(2 * 3); // SDK attempts x own attempts, bounded
    expect(await translations.getVersion(v1!.itemId, 1, 'en')).toBeUndefined();
    expect(await outbox()).toEqual([]);

    server.reset(); // the service recovers; EventBridge retries the event
    await translatorHandler()(eventOf(v1!), context);
    expect((await translations.get(v1!.itemId, 'en'))?.status).toBe('translated');
    expect(await outbox()).toHaveLength(1);
  });

  it('translates a correction again and serves the latest translated version', async () => {
    const [v1, v2] = await writeItem([document(1, 'usable'), document(2, 'usable')]);
    const handler = translatorHandler();
    await handler(eventOf(v2!), context);
    // v1's event arrives late: v2 exists, so v1 is skipped with a reason, not translated.
    await handler(eventOf(v1!), context);
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]!.text).toContain('النسخة 2');

    expect((await translations.get(v1!.itemId, 'en'))?.version).toBe(2);
    expect(await translations.getVersion(v1!.itemId, 1, 'en')).toMatchObject({
      status: 'skipped',
      reason: 'superseded by version 2',
      charactersBilled: 0,
      headlines: [],
      bodies: [],
    });
    expect((await outbox()).map((p) => [p.detail.version, p.detail.status])).toEqual([
      [2, 'translated'],
      [1, 'skipped'],
    ]);
  });

  it('makes exactly one TranslateText call per version of a short item', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    const handler = translatorHandler();
    await handler(eventOf(v1!), context);
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]!.text).toContain('النسخة 1');
    // The correction arrives after v1 was translated (otherwise v1 would be skipped as superseded).
    const v2 = versionOf(v1!.itemId, v1!.partnerId, 2, document(2, 'usable'));
    expect(await items.appendVersion(v2, (await items.getHead(v1!.itemId))!)).toBe(true);
    await handler(eventOf(v2), context);
    expect(server.calls).toHaveLength(2);
    expect(server.calls[1]!.text).toContain('النسخة 2');
    const billed = [
      (await translations.getVersion(v1!.itemId, 1, 'en'))!.charactersBilled,
      (await translations.getVersion(v1!.itemId, 2, 'en'))!.charactersBilled,
    ];
    expect(billed).toEqual(server.calls.map((c) => characterCount(c.text)));
    expect((await outbox()).map((p) => [p.detail.version, p.detail.charactersBilled])).toEqual([
      [1, billed[0]],
      [2, billed[1]],
    ]);
  });

  it('does not translate a retracted item', async () => {
    const [v1] = await writeItem([document(1, 'usable'), document(2, 'canceled')]);
    await translatorHandler()(eventOf(v1!), context);
    expect(server.calls).toEqual([]);
    expect(await translations.get(v1!.itemId, 'en')).toBeUndefined();
    expect(await translations.getVersion(v1!.itemId, 1, 'en')).toMatchObject({
      status: 'skipped',
      reason: 'item retracted',
    });
    expect((await outbox()).map((p) => [p.detail.status, p.detail.reason, p.detail.headline])).toEqual([
      ['skipped', 'item retracted', ''],
    ]);
  });

  it('does nothing for an item already in the target language', async () => {
    const [v1] = await writeItem([{ ...document(1, 'usable'), language: 'en-GB' }]);
    await translatorHandler()(eventOf(v1!), context);
    expect(server.calls).toEqual([]);
    expect(await translations.getVersion(v1!.itemId, 1, 'en')).toBeUndefined();
    expect(await outbox()).toEqual([]);
  });

  it('records "no translation provider" when the provider is none, with no fake translation', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    await translatorHandler('none')(eventOf(v1!), context);
    expect(server.calls).toEqual([]);
    expect(await translations.getVersion(v1!.itemId, 1, 'en')).toMatchObject({
      provider: 'none',
      status: 'skipped',
      reason: 'no translation provider',
      headlines: [],
      bodies: [],
    });
    expect((await outbox())[0]!.detail).toMatchObject({
      provider: 'none',
      status: 'skipped',
      charactersBilled: 0,
    });
  });

  it('records an unsupported language pair as skipped instead of retrying forever', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    server.failAlways(UNSUPPORTED_PAIR);
    await translatorHandler()(eventOf(v1!), context);
    expect(server.calls).toHaveLength(1);
    expect((await outbox())[0]!.detail).toMatchObject({
      status: 'skipped',
      reason: 'unsupported language pair ar->en',
    });
  });

  it.each([['x-klingon'], ['i-klingon'], ['x-diplo-ar']])(
    'records a %s item as skipped with a reason, without sending the code to Translate or retrying',
    async (tag) => {
      const [v1] = await writeItem([{ ...document(1, 'usable'), language: tag }]);
      await translatorHandler()(eventOf(v1!), context);
      expect(server.calls).toEqual([]);
      expect(await translations.getVersion(v1!.itemId, 1, 'en')).toMatchObject({
        status: 'skipped',
        reason: `no provider language code for ${tag}`,
      });
      expect((await outbox())[0]!.detail).toMatchObject({ status: 'skipped', sourceLanguage: tag });
    },
  );

  it('records a request Translate refuses as invalid (ValidationException) as skipped, not retried into the DLQ', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    server.failAlways({ type: 'ValidationException', status: 400 });
    await translatorHandler()(eventOf(v1!), context);
    expect(server.calls).toHaveLength(1);
    expect((await outbox())[0]!.detail).toMatchObject({
      status: 'skipped',
      reason: 'refused by the provider (ValidationException)',
    });
  });

  it('records a translation too large for one DynamoDB item as skipped, and stops paying for it early', async () => {
    // ~120 KB of Arabic in paragraphs; the engine answers four times as long as it was asked.
    const paragraphs = Array.from({ length: 600 }, (_, i) => `${SENTENCE}فقرة ${i}.`);
    const body = paragraphs.join('\n\n');
    const [v1] = await writeItem([
      document(1, 'usable', [{ role: 'main', contenttype: 'text/plain', value: body }]),
    ]);
    server.growAnswers(4);
    await translatorHandler()(eventOf(v1!), context);
    const outcome = await translations.getVersion(v1!.itemId, 1, 'en');
    expect(outcome).toMatchObject({ status: 'skipped', headlines: [], bodies: [] });
    expect(outcome!.reason).toMatch(/^translation too large to store \(over \d+ bytes\)$/);
    // What was paid for is on record, and the remaining requests were never sent.
    expect(outcome!.charactersBilled).toBe(server.charactersTranslated);
    const planned = Math.ceil(utf8ByteLength(body) / 10_000);
    expect(server.calls.length).toBeLessThan(planned);
    expect((await outbox()).map((p) => p.detail.status)).toEqual(['skipped']);
  });

  it('records an HTML block too large to cut as skipped before anything is sent', async () => {
    const block = `<p>${SENTENCE.repeat(700)}</p>`;
    expect(utf8ByteLength(block)).toBeGreaterThan(100_000);
    const [v1] = await writeItem([
      document(1, 'usable', [
        { role: 'main', contenttype: 'text/plain', value: SENTENCE },
        { role: 'html', contenttype: 'text/html', value: block },
      ]),
    ]);
    await translatorHandler()(eventOf(v1!), context);
    expect(server.calls).toEqual([]);
    expect(await translations.getVersion(v1!.itemId, 1, 'en')).toMatchObject({
      status: 'skipped',
      reason: 'a text cannot be cut to the request limit without breaking its markup or a character',
      charactersBilled: 0,
    });
  });

  it.each([
    ['as deployed', { TRANSLATION_LEASE_SECONDS: deployedTranslator.leaseSeconds }],
    ['with the default lease setting', {}],
    ['with a lease setting longer than the timeout', { TRANSLATION_LEASE_SECONDS: '600' }],
  ])(
    "lets Lambda's first async retry take over the claim of a run its timeout killed (%s)",
    async (_, env) => {
      const [v1] = await writeItem([document(1, 'usable')]);
      // The function's environment and its timeout.
      const { settings } = readTranslatorConfig({ ITEMS_TABLE_NAME: tableName, ...env });
      const timeoutMs = deployedTranslator.timeoutSeconds * 1000;
      const invocation = { ...context, getRemainingTimeInMillis: () => timeoutMs } as Context;
      const hanging = new TranslationService({
        items,
        store: translations,
        translator: { translate: () => new Promise(() => {}) },
        settings: { ...settings, provider: 'aws' },
      });
      // The first run claims, then hangs in Translate until Lambda kills it (never settles here).
      void createTranslatorHandler({ service: hanging })(eventOf(v1!), invocation);
      await vi.waitFor(async () =>
        expect(await claimRow(v1!.itemId)).toMatchObject({ status: 'in-progress' }),
      );

      // Lambda retries a failed asynchronous invocation after about a minute.
      const retryAt = Date.now() + timeoutMs + 60_000;
      const retry = new TranslationService({
        items,
        store: new DynamoTranslationStore(client, tableName, { now: () => retryAt }),
        translator: new AmazonTranslator(
          new TranslateClient({
            endpoint: server.endpoint,
            region: 'us-east-1',
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }),
        ),
        settings: { ...settings, provider: 'aws' },
      });
      await createTranslatorHandler({ service: retry })(eventOf(v1!), invocation);
      expect((await outbox()).map((p) => p.detail.status)).toEqual(['translated']);
    },
  );

  it('reads the stored version for a bodyRef event and chunks a 30 KB body and an HTML body', async () => {
    const paragraphs = Array.from({ length: 84 }, (_, i) => `${SENTENCE.repeat(2)}فقرة ${i}.`);
    const longText = paragraphs.join('\n\n');
    const html = paragraphs.map((p, i) => `<p data-i="${i}">${p}</p>`).join('\n');
    expect(utf8ByteLength(longText)).toBeGreaterThan(30_000);
    const [v1] = await writeItem([
      document(1, 'usable', [
        { role: 'main', contenttype: 'text/plain', value: longText },
        { role: 'html', contenttype: 'text/html', value: html },
      ]),
    ]);
    const inline = toNewsItemEvent(v1!).detail;
    const { bodies: _, ...withoutBodies } = inline;
    const detail: NewsItemDetailV1 = {
      ...withoutBodies,
      bodyRef: { href: versionPath(v1!.itemId, 1), bytes: utf8ByteLength(JSON.stringify(v1!.document)) },
    };
    await translatorHandler()(eventOf(v1!, detail), context);

    const textCalls = server.calls.filter((c) => c.operation === 'TranslateText');
    const documentCalls = server.calls.filter((c) => c.operation === 'TranslateDocument');
    // Both headlines from the stored document, packed with the long body's paragraphs: as many
    // requests of at most 10,000 bytes as the bytes need (greedy packing wastes less than one each).
    const [main, sub] = v1!.document.headlines!.map((h) => h.value);
    const plainBytes = utf8ByteLength(`${main}\n\n${sub}\n\n${longText}`);
    expect(textCalls.length).toBeGreaterThanOrEqual(Math.ceil(plainBytes / 10_000));
    expect(textCalls.length).toBeLessThanOrEqual(Math.ceil(plainBytes / 10_000) + 1);
    expect(textCalls[0]!.text.startsWith(`${main}\n\n${sub}\n\n${paragraphs[0]}`)).toBe(true);
    for (const call of textCalls) expect(utf8ByteLength(call.text)).toBeLessThanOrEqual(10_000);
    expect(documentCalls).toHaveLength(1);
    expect(documentCalls[0]!.contentType).toBe('text/html');

    const stored = await translations.get(v1!.itemId, 'en');
    expect(stored!.headlines.map((h) => h.role)).toEqual(['main', 'sub']);
    const [plain, markup] = stored!.bodies;
    // Reassembled in order with the paragraph separators intact.
    expect(plain!.value.split('\n\n')).toEqual(paragraphs.map((p) => expect.stringContaining(p)));
    expect(markup!.value.split('\n')).toEqual(paragraphs.map((p, i) => `<p data-i="${i}">[en] ${p}</p>`));
    expect(stored!.headlines.map((h) => h.value)).toEqual([`[en] ${main}`, sub]);
    const source = [main!, sub!, longText, html];
    // Every source character sent once (only blank lines between packed units are added) and billed as sent.
    expect(visibleCharacters(server.calls.map((c) => c.text))).toBe(visibleCharacters(source));
    expect(stored!.charactersBilled).toBe(server.charactersTranslated);
    expect(stored!.charactersBilled).toBe(sourceCharacters(server.calls.map((c) => c.text)));
  });

  it('rejects an event that breaks the contract (poison: thrown for the DLQ, nothing translated)', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    const event = eventOf(v1!);
    const broken = { ...event, detail: { ...(event.detail as object), version: 0 } };
    await expect(translatorHandler()(broken, context)).rejects.toBeInstanceOf(InvalidEventError);
    const wrongType = { ...event, 'detail-type': 'NewsItemRetracted' };
    await expect(translatorHandler()(wrongType, context)).rejects.toBeInstanceOf(InvalidEventError);
    expect(server.calls).toEqual([]);
  });
});

describe('defineSubscriber with a DynamoDB dedupe store', () => {
  it('handles an eventId once, lets a failed attempt be retried, and blocks a concurrent duplicate', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    const seen: string[] = [];
    let fail = true;
    let release: () => void = () => {};
    let gate: Promise<void> | undefined;
    const handler = defineSubscriber({
      name: 'audit-log',
      detailType: ['NewsItemPublished', 'NewsItemCorrected'],
      dedupe: new DynamoDedupeStore(client, tableName),
      handle: async (detail, ctx) => {
        expect(ctx.eventId).toBe(detail.eventId);
        if (gate) await gate;
        if (fail) throw new Error('downstream unavailable');
        seen.push(`${detail.itemId}:${detail.version}`);
      },
    });

    await expect(handler(eventOf(v1!), context)).rejects.toThrow('downstream unavailable');
    fail = false;
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const first = handler(eventOf(v1!), context);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(handler(eventOf(v1!), context)).rejects.toBeInstanceOf(DedupeInProgressError);
    release();
    await first;
    await handler(eventOf(v1!), context); // a later redelivery: skipped
    expect(seen).toEqual([`${v1!.itemId}:1`]);
  });
});
