import { DescribeTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { eventOf, isOutboxRecord } from '#functions/outbox-publisher/publish-stream-records.ts';
import { StreamReader } from '#local/dynamodb/stream-reader.ts';
import { DynamoItemReadStore } from '#shared/adapters/dynamodb/item-read-store.ts';
import { DynamoItemStore, DynamoReleaseStore } from '#shared/adapters/dynamodb/item-store.ts';
import { releaseBurstKey, versionKey } from '#shared/adapters/dynamodb/table-design.ts';
import { eventIdOf } from '#shared/domain/events.ts';
import { contentHashOf } from '#shared/domain/ingest/canonical-json.ts';
import type { NinjsDocument, PreparedItem } from '#shared/domain/item.ts';
import { ItemsService } from '#shared/domain/items-service.ts';
import { ReleaseService } from '#shared/domain/release-service.ts';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createItemsTable } from '../support/tables';

const client = localDynamoClient();
let tableName: string;
let store: DynamoItemStore;
let readStore: DynamoItemReadStore;
let releaseStore: DynamoReleaseStore;
let items: ItemsService;
let releases: ReleaseService;
let reader: StreamReader;
const partner = { partnerId: 'ptn_01JDQ8X2AB3CD4EF5GH6JK7MN8' };

beforeAll(async () => {
  tableName = await createItemsTable(client, uniqueTableName('embargo'));
  store = new DynamoItemStore(client, tableName);
  readStore = new DynamoItemReadStore(client, tableName);
  items = new ItemsService({ store });
  releaseStore = new DynamoReleaseStore(client, tableName);
  releases = new ReleaseService({ store: releaseStore });
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const streams = new DynamoDBStreamsClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  reader = new StreamReader(streams, Table!.LatestStreamArn!);
});

let seq = 0;
function article(overrides: Partial<NinjsDocument> = {}): NinjsDocument {
  return {
    uri: `urn:ministry:embargo:${Date.now()}:${seq++}`,
    language: 'ar',
    headlines: [{ value: 'بيان مشترك' }],
    bodies: [{ value: 'يعلن الوزيران اليوم' }],
    ...overrides,
  };
}
const prepare = (document: NinjsDocument): PreparedItem => ({
  document,
  contentHash: contentHashOf(document),
  warnings: [],
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rawRow(itemId: string, version: number): Promise<Record<string, unknown>> {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: tableName,
      Key: marshall(versionKey(itemId, version)),
      ConsistentRead: true,
    }),
  );
  return unmarshall(Item!);
}

/** Every public event the outbox would publish from the stream so far, by item. */
async function publicEventsByItem(): Promise<
  Map<string, { detailType: string; version: number; eventId: string }[]>
> {
  const byItem = new Map<string, { detailType: string; version: number; eventId: string }[]>();
  for (const record of await reader.readAvailable()) {
    if (!isOutboxRecord(record)) continue;
    const event = eventOf(record);
    if (event.source !== 'diplowire.items') continue;
    const list = byItem.get(event.detail.itemId) ?? [];
    list.push({ detailType: event.detailType, version: event.detail.version, eventId: event.detail.eventId });
    byItem.set(event.detail.itemId, list);
  }
  return byItem;
}

describe('DynamoItemStore: held versions', () => {
  it('indexes a held version by release time, releases it only when due, once, and drops it from the index', async () => {
    const until = new Date(Date.now() + 60_000).toISOString();
    const { version } = await items.submit(partner, prepare(article({ embargoed: until })));
    const row = await rawRow(version.itemId, 1);
    expect(row).toMatchObject({
      holdKind: 'embargo',
      embargoUntil: until,
      heldQueue: 'HELD',
      heldReleaseAt: until,
    });

    const due = (at: string) =>
      releaseStore.listDue(at, 1000).then((d) => d.filter((x) => x.itemId === version.itemId));
    expect(await due(new Date(Date.parse(until) - 1).toISOString())).toEqual([]);
    expect(await due(until)).toEqual([{ itemId: version.itemId, version: 1 }]);

    expect(await releaseStore.release(version.itemId, 1, new Date(Date.parse(until) - 1).toISOString())).toBe(
      false,
    );
    expect(await releaseStore.release(version.itemId, 1, until)).toBe(true);
    expect(await releaseStore.release(version.itemId, 1, until)).toBe(false);
    expect(await due(until)).toEqual([]);
    expect(await store.getHead(version.itemId)).toMatchObject({
      hold: { kind: 'embargo', until },
      publicBefore: false,
      releasedAt: until,
    });
    expect(await readStore.listVersions(version.itemId)).toEqual([
      expect.objectContaining({ version: 1, releasedAt: until, hold: { kind: 'embargo', until } }),
    ]);
  });

  it('a correction supersedes a held version atomically: out of the index, never releasable', async () => {
    const until = new Date(Date.now() + 60_000).toISOString();
    const { version } = await items.submit(partner, prepare(article({ embargoed: until })));
    const { version: v2 } = await items.correct(
      partner,
      version.itemId,
      1,
      prepare({ ...version.document, title: 'x' }),
    );
    expect(v2.hold).toEqual({ kind: 'embargo', until });
    const v1 = await rawRow(version.itemId, 1);
    expect(v1.supersededAt).toBe(v2.receivedAt);
    expect(v1.heldQueue).toBeUndefined();
    expect(await releaseStore.release(version.itemId, 1, until)).toBe(false);
    expect((await releaseStore.listDue(until, 1000)).filter((d) => d.itemId === version.itemId)).toEqual([
      { itemId: version.itemId, version: 2 },
    ]);
  });
});

describe('DynamoReleaseStore: the burst lease', () => {
  it('one of concurrent claims wins; the lease is taken over only after it lapsed; the row expires and stays out of the outbox', async () => {
    const releaseAt = new Date(Date.now() + 3_600_000).toISOString();
    const nowMs = Date.now();
    const claims = await Promise.all(
      Array.from({ length: 6 }, () => releaseStore.claimBurst(releaseAt, nowMs, nowMs + 30_000)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    // Live up to and including its last millisecond.
    expect(await releaseStore.claimBurst(releaseAt, nowMs + 30_000, nowMs + 60_000)).toBe(false);
    expect(await releaseStore.claimBurst(releaseAt, nowMs + 30_001, nowMs + 60_001)).toBe(true);
    // Another release time is another lease.
    expect(
      await releaseStore.claimBurst(new Date(Date.parse(releaseAt) + 1).toISOString(), nowMs, nowMs + 1),
    ).toBe(true);

    const { Item } = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: marshall(releaseBurstKey(releaseAt)),
        ConsistentRead: true,
      }),
    );
    const row = unmarshall(Item!);
    expect(row).toMatchObject({ entity: 'ReleaseBurst', leaseUntil: nowMs + 60_001 });
    // TTL in epoch seconds, about a day ahead; no index keys.
    expect(row.expiresAt).toBeGreaterThan(nowMs / 1000 + 86_000);
    expect(row.heldQueue).toBeUndefined();
    // Its stream records are never the outbox's (the mappings' filters match ITEM#/V# and TR# keys only).
    const records = (await reader.readAvailable()).filter((r) =>
      String(r.dynamodb?.Keys?.PK?.S).startsWith('RELEASE#'),
    );
    expect(records.length).toBeGreaterThanOrEqual(3);
    expect(records.some(isOutboxRecord)).toBe(false);
  });
});

describe('release: schedule, sweeper and a concurrent correction race', () => {
  it('publishes each item exactly once (release or correction), never a superseded version', async () => {
    await reader.readAvailable(); // start from here
    const count = 16;
    const until = new Date(Date.now() + 1_500).toISOString();
    const held = await Promise.all(
      Array.from({ length: count }, () => items.submit(partner, prepare(article({ embargoed: until })))),
    );
    await sleep(Date.parse(until) - Date.now() + 10);

    // Per item: the schedule fires twice (a retry), a correction lifts the embargo; the sweeper runs twice.
    const racers = held.flatMap(({ version }) => [
      releases.releaseItem(version.itemId),
      items.correct(partner, version.itemId, 1, prepare(article({ uri: version.uri, title: 'تصحيح' }))),
      releases.releaseItem(version.itemId),
    ]);
    const results = await Promise.allSettled([...racers, releases.sweep(), releases.sweep()]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

    const events = await publicEventsByItem();
    for (const { version } of held) {
      const itemEvents = events.get(version.itemId) ?? [];
      const v1 = await rawRow(version.itemId, 1);
      // A held version is released or superseded, never both.
      expect((v1.releasedAt === undefined) !== (v1.supersededAt === undefined)).toBe(true);
      const expected =
        v1.releasedAt !== undefined
          ? [
              { detailType: 'NewsItemPublished', version: 1, eventId: eventIdOf(version.itemId, 1) },
              { detailType: 'NewsItemCorrected', version: 2, eventId: eventIdOf(version.itemId, 2) },
            ]
          : [{ detailType: 'NewsItemPublished', version: 2, eventId: eventIdOf(version.itemId, 2) }];
      expect(itemEvents).toEqual(expected);
    }
  });

  it('concurrent burst releasers, repeated triggers, the sweeper and corrections: each item once, never early', async () => {
    await reader.readAvailable();
    const count = 24;
    const until = new Date(Date.now() + 1_500).toISOString();
    // Due 1 ms after the others: never released with them before its time.
    const later = new Date(Date.parse(until) + 1).toISOString();
    const held = await Promise.all(
      Array.from({ length: count }, (_, n) =>
        items.submit(partner, prepare(article({ embargoed: n === 0 ? later : until }))),
      ),
    );
    // Every trigger fires early and waits for its item's time (as on AWS, within a minute).
    const triggers = held.map(({ version }) => releases.releaseScheduled(version.itemId, 60_000));
    await sleep(Date.parse(until) - Date.now() + 5);
    const corrections = held
      .slice(1, 5)
      .map(({ version }) =>
        items.correct(partner, version.itemId, 1, prepare(article({ uri: version.uri, title: 'تصحيح' }))),
      );
    const results = await Promise.allSettled([...triggers, ...corrections, releases.sweep()]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

    const events = await publicEventsByItem();
    for (const { version } of held) {
      const v1 = await rawRow(version.itemId, 1);
      expect((v1.releasedAt === undefined) !== (v1.supersededAt === undefined)).toBe(true);
      if (v1.releasedAt !== undefined)
        expect((v1.releasedAt as string) >= (v1.embargoUntil as string)).toBe(true);
      const published = (events.get(version.itemId) ?? []).filter((e) => e.version === 1);
      expect(published).toEqual(
        v1.releasedAt === undefined
          ? []
          : [{ detailType: 'NewsItemPublished', version: 1, eventId: eventIdOf(version.itemId, 1) }],
      );
    }
    expect(((await rawRow(held[0]!.version.itemId, 1)).releasedAt as string) >= later).toBe(true);
  });

  it('releases a held correction once when schedule and sweeper race, with the latest content', async () => {
    await reader.readAvailable();
    const until = new Date(Date.now() + 1_000).toISOString();
    const { version } = await items.submit(partner, prepare(article({ embargoed: until })));
    await items.correct(
      partner,
      version.itemId,
      1,
      prepare({ ...version.document, bodies: [{ value: 'نص جديد' }] }),
    );
    await sleep(Date.parse(until) - Date.now() + 10);
    const outcomes = await Promise.all([
      releases.releaseItem(version.itemId),
      releases.releaseItem(version.itemId),
      releases.sweep(),
    ]);
    expect(outcomes.slice(0, 2).filter((o) => o === 'released').length + outcomes[2].released).toBe(1);
    expect((await publicEventsByItem()).get(version.itemId)).toEqual([
      { detailType: 'NewsItemPublished', version: 2, eventId: eventIdOf(version.itemId, 2) },
    ]);
  });
});
