/**
 * The translator integration tests' shared set-up: a local Amazon Translate, the items table in
 * DynamoDB Local read through its real stream (for the NewsItemTranslated events the outbox would
 * publish), the translator handler wired on them, and items and events to feed it. Importing it
 * registers the hooks in the importing file.
 */
import { createHash } from 'node:crypto';
import { DescribeTableCommand, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { TranslateClient } from '@aws-sdk/client-translate';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, expect, inject } from 'vitest';
import {
  isOutboxRecord,
  eventOf as outboxEventOf,
} from '#functions/outbox-publisher/publish-stream-records.ts';
import { createTranslatorHandler } from '#functions/translator/translator.ts';
import { TRANSLATOR_TIMEOUT_SECONDS } from '#infra/stacks/subscribers-stack.ts';
import { StreamReader } from '#local/dynamodb/stream-reader.ts';
import { DynamoItemStore } from '#shared/adapters/dynamodb/item-store.ts';
import { translationPk, translationSkPrefix } from '#shared/adapters/dynamodb/table-design.ts';
import { DynamoTranslationStore } from '#shared/adapters/dynamodb/translation-store.ts';
import type { SubscriberHandler } from '#shared/adapters/subscriber/index.ts';
import { AmazonTranslator } from '#shared/adapters/translate/amazon-translator.ts';
import { type NewsItemDetailV1, NewsItemTranslatedDetailV1 } from '#shared/contracts/events/index.ts';
import { toNewsItemEvent } from '#shared/domain/events.ts';
import { newId } from '#shared/domain/ids.ts';
import type { ItemVersion, NinjsDocument, Pubstatus } from '#shared/domain/item.ts';
import { characterCount } from '#shared/domain/translation/chunking.ts';
import type { TranslationProvider } from '#shared/domain/translation/model.ts';
import { TranslationService } from '#shared/domain/translation/service.ts';
import { localDynamoClient, uniqueTableName } from './dynamodb';
import { type LocalTranslateServer, startLocalTranslateServer } from './local-translate-server';
import { createItemsTable } from './tables';

export interface Published {
  source: string;
  detailType: string;
  detail: NewsItemTranslatedDetailV1;
}
export let published: Published[];
export let stream: StreamReader;

/**
 * The NewsItemTranslated events published so far in this test: the translator announces an outcome
 * by writing its row, and the outbox publisher turns the items table's stream records into events.
 * So this reads the table's real stream (DynamoDB Local) and maps it with the outbox's own code.
 */
export async function outbox(): Promise<Published[]> {
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

export const context = {
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

export let server: LocalTranslateServer;
export let items: DynamoItemStore;
export let translations: DynamoTranslationStore;
export let tableName: string;
export let client: DynamoDBClient;
const savedEnv = { ...process.env };

/** The translator handler wired like functions/translator/handler.ts, but on local endpoints. */
export function translatorHandler(
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

export const SENTENCE =
  'أجرى نائب وزير الخارجية الكويتي اتصالاً هاتفياً بأمين عام وزارة الخارجية البلجيكية؛ هل بحثا التعاون؟ ';

export function document(
  version: number,
  pubstatus: Pubstatus,
  bodies?: NinjsDocument['bodies'],
): NinjsDocument {
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

export function versionOf(
  itemId: string,
  partnerId: string,
  version: number,
  doc: NinjsDocument,
): ItemVersion {
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
export async function writeItem(documents: NinjsDocument[]): Promise<ItemVersion[]> {
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
export function eventOf(version: ItemVersion, detail?: NewsItemDetailV1): EventBridgeEvent<string, unknown> {
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
export async function claimRow(itemId: string): Promise<Record<string, unknown> | undefined> {
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
export const deployedTranslator = {
  timeoutSeconds: TRANSLATOR_TIMEOUT_SECONDS,
  leaseSeconds: String(TRANSLATOR_TIMEOUT_SECONDS),
};

export const sourceCharacters = (texts: string[]) => texts.reduce((sum, t) => sum + characterCount(t), 0);
export const visibleCharacters = (texts: string[]) =>
  sourceCharacters(texts.map((t) => t.replace(/\s+/gu, '')));

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
