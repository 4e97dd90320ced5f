import { createHash } from 'node:crypto';
import { DescribeTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { StreamReader } from '#local/dynamodb/stream-reader.ts';
import { DynamoItemStore } from '#shared/adapters/dynamodb/item-store.ts';
import { DynamoTranslationStore } from '#shared/adapters/dynamodb/translation-store.ts';
import { NewsItemDetailV1, NewsItemTranslatedDetailV1 } from '#shared/contracts/events/index.ts';
import { eventIdOf } from '#shared/domain/events.ts';
import { newId } from '#shared/domain/ids.ts';
import type { ItemVersion, Pubstatus } from '#shared/domain/item.ts';
import { translationEventIdOf } from '#shared/domain/translation/model.ts';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createItemsTable } from '../support/tables';
import { recordTranslation } from '../support/translations';

const BUS = 'diplowire-test-bus';
const eventBridge = mockClient(EventBridgeClient);

/** One accepted PutEvents entry, as EventBridge would have it. */
interface Delivery {
  detailType: string;
  detail: NewsItemDetailV1;
}
/** Accepted NewsItemTranslated entries (kept apart: their detail is another contract). */
let translated: NewsItemTranslatedDetailV1[];

let deliveries: Delivery[];
let putCalls: number;
/** Decides, per entry and call, whether EventBridge fails it (undefined = accepted). */
let failEntry: (detail: NewsItemDetailV1, call: number) => string | undefined;

function fakePutEvents({ Entries = [] }: { Entries?: PutEventsRequestEntry[] }) {
  putCalls++;
  const results: PutEventsResultEntry[] = Entries.map((entry) => {
    expect(entry.EventBusName).toBe(BUS);
    expect(entry.Source).toBe('diplowire.items');
    if (entry.DetailType === 'NewsItemTranslated') {
      translated.push(NewsItemTranslatedDetailV1.parse(JSON.parse(entry.Detail ?? '')));
      return { EventId: `ev-t${translated.length}` };
    }
    const detail = NewsItemDetailV1.parse(JSON.parse(entry.Detail ?? ''));
    const errorCode = failEntry(detail, putCalls);
    if (errorCode) return { ErrorCode: errorCode, ErrorMessage: 'injected' };
    deliveries.push({ detailType: entry.DetailType!, detail });
    return { EventId: `ev-${deliveries.length}` };
  });
  return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
}

let handler: (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;
let store: DynamoItemStore;
let translations: DynamoTranslationStore;
let reader: StreamReader;
let tableName: string;
const raw = () => localDynamoClient();

const context = {
  functionName: 'outbox-publisher',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:outbox-publisher',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/outbox-publisher',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

const savedEnv = { ...process.env };

beforeAll(async () => {
  Object.assign(process.env, {
    EVENT_BUS_NAME: BUS,
    POWERTOOLS_SERVICE_NAME: 'outbox-publisher',
    POWERTOOLS_METRICS_NAMESPACE: 'Diplowire',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_REGION: 'us-east-1',
  });
  ({ handler } = await import('#functions/outbox-publisher/handler.ts'));

  const client = raw();
  tableName = await createItemsTable(client, uniqueTableName('outbox'));
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const streams = new DynamoDBStreamsClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  reader = new StreamReader(streams, Table!.LatestStreamArn!);
  store = new DynamoItemStore(client, tableName);
  translations = new DynamoTranslationStore(client, tableName);
});

afterAll(() => {
  eventBridge.restore();
  process.env = savedEnv;
});

beforeEach(() => {
  deliveries = [];
  translated = [];
  putCalls = 0;
  failEntry = () => undefined;
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).callsFake(fakePutEvents);
});

function itemVersion(
  itemId: string,
  partnerId: string,
  version: number,
  pubstatus: Pubstatus = 'usable',
): ItemVersion {
  const uri = `urn:kuna:test:${itemId}`;
  const document = {
    uri,
    language: 'ar',
    pubstatus,
    headlines: [{ role: 'main', value: `الكويت وبلجيكا — النسخة ${version}` }],
    places: [{ name: 'الكويت', code: 'KW' }],
    bodies: [{ role: 'main', contenttype: 'text/plain', value: `نص الخبر، النسخة ${version}` }],
  };
  return {
    itemId,
    version,
    partnerId,
    uri,
    language: 'ar',
    pubstatus,
    receivedAt: new Date(Date.UTC(2024, 10, 28, 9, 0, version)).toISOString(),
    contentHash: createHash('sha256').update(JSON.stringify(document)).digest('hex'),
    document,
  };
}

/** Writes an item with `versions` versions through the real store; the last one is a retraction if asked. */
async function writeItem(versions: number, retractLast = false): Promise<ItemVersion[]> {
  const itemId = newId('itm');
  const partnerId = newId('ptn');
  const written: ItemVersion[] = [];
  for (let n = 1; n <= versions; n++) {
    const v = itemVersion(itemId, partnerId, n, retractLast && n === versions ? 'canceled' : 'usable');
    if (n === 1) expect(await store.createItem(v)).toEqual({ created: true });
    else expect(await store.appendVersion(v, (await store.getHead(itemId))!)).toBe(true);
    written.push(v);
  }
  return written;
}

const key = (d: { itemId: string; version: number }) => `${d.itemId}#${d.version}`;
const invoke = (records: DynamoDBRecord[]) => handler({ Records: records }, context);
const versionRecords = (records: DynamoDBRecord[]) =>
  records.filter((r) => r.eventName === 'INSERT' && r.dynamodb?.NewImage?.SK?.S?.startsWith('V#'));

/** Every written version was delivered, and every delivery of a version carries that version's eventId. */
function expectAllDelivered(written: ItemVersion[]) {
  const delivered = new Set(deliveries.map((d) => key(d.detail)));
  const missing = written.filter((v) => !delivered.has(key(v)));
  expect(missing.map(key), 'missing events').toEqual([]);
  for (const d of deliveries) expect(d.detail.eventId).toBe(eventIdOf(d.detail.itemId, d.detail.version));
}

describe('outbox publisher on real DynamoDB stream records', () => {
  it('publishes exactly one event per version written, ignoring the other rows of the partition', async () => {
    const written = [...(await writeItem(1)), ...(await writeItem(3)), ...(await writeItem(4, true))];
    // A translation row shares the item's partition and the stream: written (INSERT), then replaced (MODIFY).
    for (const status of ['in-progress', 'translated']) {
      await raw().send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            PK: { S: `ITEM#${written[0]!.itemId}` },
            SK: { S: 'TR#en#V#000000001' },
            status: { S: status },
          },
        }),
      );
    }
    const records = await reader.readAvailable();
    expect(records.map((r) => r.eventName).filter((name) => name === 'MODIFY')).toHaveLength(1);
    expect(records).toHaveLength(written.length + 2);
    expect(versionRecords(records)).toHaveLength(written.length);

    const response = await invoke(records);

    expect(response).toEqual({ batchItemFailures: [] });
    expectAllDelivered(written);
    expect(deliveries).toHaveLength(written.length); // and nothing else: no duplicates here
    expect(putCalls).toBe(1); // 8 events fit one PutEvents call
    const typeOf = new Map(deliveries.map((d) => [key(d.detail), d.detailType]));
    expect(written.map((v) => typeOf.get(key(v)))).toEqual([
      'NewsItemPublished',
      'NewsItemPublished',
      'NewsItemCorrected',
      'NewsItemCorrected',
      'NewsItemPublished',
      'NewsItemCorrected',
      'NewsItemCorrected',
      'NewsItemRetracted',
    ]);
    const last = deliveries.find((d) => key(d.detail) === key(written[7]!))!.detail;
    expect(last).toMatchObject({
      pubstatus: 'canceled',
      headline: 'الكويت وبلجيكا — النسخة 4',
      places: ['KW'],
      partnerId: written[7]!.partnerId,
      contentHash: written[7]!.contentHash,
      bodies: [{ role: 'main', contenttype: 'text/plain', value: 'نص الخبر، النسخة 4' }],
    });
  });

  it('sends 10 entries per PutEvents call', async () => {
    const written = (await Promise.all(Array.from({ length: 12 }, () => writeItem(1)))).flat();
    const response = await invoke(await reader.readAvailable());
    expect(response.batchItemFailures).toEqual([]);
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([
      10, 2,
    ]);
    expectAllDelivered(written);
  });

  it('retries entries that failed, and a throttled call, until every event is accepted once', async () => {
    const written = [...(await writeItem(2)), ...(await writeItem(2))];
    const flaky = key(written[1]!);
    failEntry = (detail, call) => (call === 1 && key(detail) === flaky ? 'InternalFailure' : undefined);
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .callsFake(fakePutEvents);

    const response = await invoke(await reader.readAvailable());

    expect(response.batchItemFailures).toEqual([]);
    const entriesPerCall = eventBridge
      .commandCalls(PutEventsCommand)
      .map((c) => c.args[0].input.Entries?.length);
    expect(entriesPerCall).toEqual([4, 4, 1]); // throttled, then one entry failed, then only that entry again
    expectAllDelivered(written);
    expect(deliveries).toHaveLength(written.length);
  });

  it('reports the earliest persistently failing record; the retry from there misses nothing', async () => {
    const written = [
      ...(await writeItem(1)),
      ...(await writeItem(2)),
      ...(await writeItem(1)),
      ...(await writeItem(1)),
    ];
    const records = await reader.readAvailable();
    const broken = new Set([key(written[2]!), key(written[4]!)]); // item 2 v2, item 4 v1
    failEntry = (detail) => (broken.has(key(detail)) ? 'InternalFailure' : undefined);

    const first = await invoke(records);

    const versions = versionRecords(records);
    const earliestFailed = versions.find((r) => r.dynamodb?.NewImage?.SK?.S === 'V#000000002')!;
    expect(first).toEqual({
      batchItemFailures: [{ itemIdentifier: earliestFailed.dynamodb!.SequenceNumber }],
    });
    expect(deliveries.map((d) => key(d.detail)).sort()).toEqual(
      written
        .filter((v) => !broken.has(key(v)))
        .map(key)
        .sort(),
    );

    // Lambda retries the batch from the reported record; EventBridge has recovered.
    failEntry = () => undefined;
    const retry = await invoke(records.slice(records.indexOf(earliestFailed)));

    expect(retry).toEqual({ batchItemFailures: [] });
    expectAllDelivered(written);
    // item 3 v1 was delivered twice (it follows the failed record): same eventId both times.
    const item3 = deliveries.filter((d) => key(d.detail) === key(written[3]!));
    expect(item3).toHaveLength(2);
    expect(new Set(item3.map((d) => d.detail.eventId)).size).toBe(1);
  });

  it('reports an undecodable version row instead of dropping it, and still publishes the others', async () => {
    const before = await writeItem(1);
    const poisonItem = newId('itm');
    await raw().send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          PK: { S: `ITEM#${poisonItem}` },
          SK: { S: 'V#000000001' },
          entity: { S: 'ItemVersion' },
          itemId: { S: poisonItem },
          version: { N: '1' },
          document: { S: '{not json' },
        },
      }),
    );
    const after = await writeItem(1);
    const records = await reader.readAvailable();

    const response = await invoke(records);

    const poison = records.find((r) => r.dynamodb?.Keys?.PK?.S === `ITEM#${poisonItem}`)!;
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: poison.dynamodb!.SequenceNumber }] });
    expectAllDelivered([...before, ...after]);
    expect(deliveries.some((d) => d.detail.itemId === poisonItem)).toBe(false);
  });
});

describe('outbox publisher: translation outcomes', () => {
  /** Records the English translation of `version` as the translator does. */
  async function recordEnglish(version: ItemVersion, announce: boolean) {
    const key = { itemId: version.itemId, version: version.version, language: 'en' };
    await recordTranslation(
      translations,
      { ...key, partnerId: version.partnerId, uri: version.uri },
      { announce },
    );
    return key;
  }

  it('publishes NewsItemTranslated from the write that announces an outcome, once, and nothing for claims or held outcomes', async () => {
    const [open] = await writeItem(1);
    const [held] = await writeItem(1);
    await reader.readAvailable(); // the versions' own events are tested above
    const openKey = await recordEnglish(open!, true);
    const heldKey = await recordEnglish(held!, false);

    expect(await invoke(await reader.readAvailable())).toEqual({ batchItemFailures: [] });
    expect(translated).toEqual([
      {
        schemaVersion: '1',
        eventId: translationEventIdOf(openKey),
        itemId: open!.itemId,
        version: 1,
        partnerId: open!.partnerId,
        uri: open!.uri,
        sourceLanguage: 'ar',
        language: 'en',
        provider: 'aws',
        status: 'translated',
        charactersBilled: 42,
        translatedAt: '2026-11-29T12:00:00.000Z',
        headline: 'Kuwait and Belgium discuss ties',
      },
    ]);
    expect(deliveries).toEqual([]);

    // The held version is released: its translation is announced then, and only once.
    expect(await translations.announce(heldKey)).toBe(true);
    expect(await translations.announce(heldKey)).toBe(false);
    expect(await invoke(await reader.readAvailable())).toEqual({ batchItemFailures: [] });
    expect(translated.map((t) => t.eventId)).toEqual([
      translationEventIdOf(openKey),
      translationEventIdOf(heldKey),
    ]);
  });

  it('never publishes an item event from a translation partition', async () => {
    // A version-shaped row where the translator's role may write: the outbox ignores it.
    const [v] = await writeItem(1);
    await reader.readAvailable();
    await raw().send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          PK: { S: `TRANSLATION#${v!.itemId}` },
          SK: { S: 'V#000000002' },
          entity: { S: 'ItemVersion' },
          itemId: { S: v!.itemId },
          version: { N: '2' },
          announcedAt: { S: '2026-11-29T12:00:00.000Z' },
        },
      }),
    );
    expect(await invoke(await reader.readAvailable())).toEqual({ batchItemFailures: [] });
    expect(deliveries).toEqual([]);
    expect(translated).toEqual([]);
    expect(putCalls).toBe(0);
  });
});

describe('StreamReader', () => {
  it('delivers records in the shape Lambda uses for DynamoDB streams', async () => {
    const [v] = await writeItem(1);
    const record = versionRecords(await reader.readAvailable())[0]!;
    expect(record).toMatchObject({
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: reader.streamArn,
      dynamodb: {
        Keys: { PK: { S: `ITEM#${v!.itemId}` }, SK: { S: 'V#000000001' } },
        NewImage: { itemId: { S: v!.itemId }, version: { N: '1' }, pubstatus: { S: 'usable' } },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(typeof record.eventID).toBe('string');
    expect(record.dynamodb?.SequenceNumber).toMatch(/^\d+$/);
    expect(record.dynamodb?.SizeBytes).toBeGreaterThan(0);
    const created = record.dynamodb?.ApproximateCreationDateTime;
    expect(Number.isInteger(created)).toBe(true);
    expect(Math.abs(created! - Date.now() / 1000)).toBeLessThan(300);
    expect(JSON.parse(JSON.stringify(record))).toEqual(record); // plain JSON, like a Lambda event
  });

  it('resumes from a checkpoint after a restart, with no record lost or repeated', async () => {
    await writeItem(1);
    await reader.readAvailable();
    const saved = JSON.parse(JSON.stringify(reader.checkpoint()));
    const written = await writeItem(2);

    const restarted = new StreamReader(
      new DynamoDBStreamsClient({
        endpoint: inject('dynamodbEndpoint'),
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
      reader.streamArn,
    );
    expect(restarted.restore(saved)).toBe(true);
    const records = versionRecords(await restarted.readAvailable());
    expect(records.map((r) => r.dynamodb?.NewImage?.SK?.S)).toEqual(['V#000000001', 'V#000000002']);
    expect(records.every((r) => r.dynamodb?.NewImage?.itemId?.S === written[0]!.itemId)).toBe(true);
    expect(await restarted.readAvailable()).toEqual([]);
    expect(restarted.restore({ streamArn: 'arn:other', shards: {} })).toBe(false);
  });
});
