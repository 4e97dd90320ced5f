import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCursorKey } from '#shared/adapters/dynamodb/cursor-key.ts';
import { DynamoEntitlementStore } from '#shared/adapters/dynamodb/entitlement-store.ts';
import { DynamoFeedDocuments, DynamoFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { DynamoItemStore } from '#shared/adapters/dynamodb/item-store.ts';
import { CursorCodec } from '#shared/domain/cursors.ts';
import { ValidationError } from '#shared/domain/errors.ts';
import { type FeedQuery, FeedService } from '#shared/domain/feed/feed-service.ts';
import type { Entitlement, FeedCaller } from '#shared/domain/feed/model.ts';
import { feedRecordOfVersion } from '#shared/domain/feed/records.ts';
import { contentHashOf } from '#shared/domain/ingest/canonical-json.ts';
import type { ItemVersion, NinjsDocument } from '#shared/domain/item.ts';
import { ItemsService } from '#shared/domain/items-service.ts';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createItemsTable, createPartnersTable } from '../support/tables';

/**
 * The feed on DynamoDB Local: the conditional-append sequence under concurrent recorders, reads
 * through FeedService with entitlements, cursors, held items, since and long-poll. Each test
 * works on its own tables, so sequence numbers start at 1.
 */

let client: DynamoDBClient;
let partnersTable: string;
let key: Uint8Array;

beforeAll(async () => {
  client = localDynamoClient();
  partnersTable = await createPartnersTable(client, uniqueTableName('partners'));
  key = await loadCursorKey(client, partnersTable);
});

interface World {
  items: ItemsService;
  recorder: () => DynamoFeedStore;
  feed: FeedService;
  entitlements: DynamoEntitlementStore;
  /** Records a version the way the projector does. */
  record: (version: ItemVersion, recorder?: DynamoFeedStore) => Promise<number | undefined>;
}

async function world(): Promise<World> {
  const itemsTable = await createItemsTable(client, uniqueTableName('items'));
  const itemStore = new DynamoItemStore(client, itemsTable);
  const entitlements = new DynamoEntitlementStore(client, partnersTable);
  const shared = new DynamoFeedStore(client, itemsTable);
  const feed = new FeedService({
    store: new DynamoFeedStore(client, itemsTable),
    documents: new DynamoFeedDocuments(client, itemsTable),
    entitlements,
    cursors: new CursorCodec(key),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))),
  });
  return {
    items: new ItemsService({ store: itemStore }),
    recorder: () => new DynamoFeedStore(client, itemsTable),
    feed,
    entitlements,
    record: (version, recorder = shared) => recorder.append(feedRecordOfVersion(version)),
  };
}

let uriCounter = 0;
function doc(overrides: Partial<NinjsDocument> = {}): {
  document: NinjsDocument;
  contentHash: string;
  warnings: [];
} {
  const document: NinjsDocument = {
    uri: `urn:test:feed:${++uriCounter}:${randomBytes(4).toString('hex')}`,
    language: 'ar',
    headlines: [{ value: `خبر ${uriCounter}` }],
    bodies: [{ contenttype: 'text/plain', value: 'نص' }],
    ...overrides,
  };
  return { document, contentHash: contentHashOf(document), warnings: [] };
}

function entitle(partnerId: string, grant: Partial<Entitlement> = {}): Entitlement {
  return {
    partnerId,
    sources: 'all',
    languages: 'all',
    embargoed: false,
    updatedAt: new Date().toISOString(),
    ...grant,
  };
}

async function readAll(feed: FeedService, caller: FeedCaller, query: FeedQuery = {}) {
  const entries = [];
  let cursor: string | undefined;
  for (;;) {
    // since only starts the sequence; the cursor carries it on.
    const { since, ...rest } = query;
    const page = await feed.read(caller, { ...(cursor ? { ...rest, cursor } : query), limit: '7' });
    entries.push(...page.entries);
    if (page.entries.length === 0) return { entries, cursor: page.cursor };
    cursor = page.cursor;
  }
}

let partnerCounter = 0;
async function partner(): Promise<string> {
  // Entitlements need a partner profile row.
  const partnerId = `ptn_${Date.now().toString(36)}${++partnerCounter}`;
  const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
  await client.send(
    new PutItemCommand({
      TableName: partnersTable,
      Item: { PK: { S: `PARTNER#${partnerId}` }, SK: { S: 'PROFILE' }, partnerId: { S: partnerId } },
    }),
  );
  return partnerId;
}

describe('the feed sequence', () => {
  it('never loses or repeats a change while 4 recorders append concurrently and a reader follows', async () => {
    const w = await world();
    const reader: FeedCaller = { partnerId: await partner(), canReadFeed: true };
    await w.entitlements.put(entitle(reader.partnerId));
    const sources = [await partner(), await partner(), await partner(), await partner()];
    const written: string[] = [];
    let writing = true;

    // Each source submits and corrects items; each has its own recorder (like stream shards).
    const writers = sources.map(async (source) => {
      const recorder = w.recorder();
      for (let n = 0; n < 15; n++) {
        const created = await w.items.submit({ partnerId: source }, doc());
        await w.record(created.version, recorder);
        written.push(feedRecordOfVersion(created.version).eventId);
        if (n % 3 === 0) {
          const corrected = await w.items.correct(
            { partnerId: source },
            created.version.itemId,
            1,
            doc({ uri: created.version.uri }),
          );
          await w.record(corrected.version, recorder);
          written.push(feedRecordOfVersion(corrected.version).eventId);
        }
      }
    });
    const read: { eventId: string; seq: number; itemId: string; version: number }[] = [];
    const following = (async () => {
      let cursor: string | undefined;
      // Keep polling until the writers are done and a final page comes back empty.
      for (;;) {
        const done = !writing;
        const page = await w.feed.read(reader, { ...(cursor && { cursor }), limit: '5' });
        read.push(...page.entries);
        cursor = page.cursor;
        if (done && page.entries.length === 0) return;
      }
    })();
    await Promise.all(writers);
    writing = false;
    await following;

    expect(read.map((e) => e.eventId).sort()).toEqual([...written].sort());
    expect(new Set(read.map((e) => e.eventId)).size).toBe(read.length);
    // Gap-free and in order: 1, 2, 3, ...
    expect(read.map((e) => e.seq)).toEqual(read.map((_, index) => index + 1));
    // The versions of an item in version order.
    const byItem = new Map<string, number[]>();
    for (const e of read) byItem.set(e.itemId, [...(byItem.get(e.itemId) ?? []), e.version]);
    for (const versions of byItem.values()) expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });

  it('records a redelivered change once', async () => {
    const w = await world();
    const source = await partner();
    const { version } = await w.items.submit({ partnerId: source }, doc());
    expect(await w.record(version)).toBe(1);
    expect(await w.record(version, w.recorder())).toBeUndefined();
    const { entries } = await readAll(w.feed, { partnerId: source, canReadFeed: false });
    expect(entries.map((e) => e.seq)).toEqual([1]);
  });
});

describe('who sees what', () => {
  it('shows a partner its own items, and others only through feed:read and an entitlement', async () => {
    const w = await world();
    const [a, b, consumer, stranger] = [await partner(), await partner(), await partner(), await partner()];
    const fromA = await w.items.submit({ partnerId: a }, doc({ language: 'ar' }));
    const fromAEnglish = await w.items.submit({ partnerId: a }, doc({ language: 'en' }));
    const fromB = await w.items.submit({ partnerId: b }, doc({ language: 'ar' }));
    for (const v of [fromA, fromAEnglish, fromB]) await w.record(v.version);
    await w.entitlements.put(entitle(consumer, { sources: [a], languages: ['ar'] }));
    await w.entitlements.put(entitle(stranger));

    const ids = async (caller: FeedCaller, query: FeedQuery = {}) =>
      (await readAll(w.feed, caller, query)).entries.map((e) => e.itemId);
    expect(await ids({ partnerId: a, canReadFeed: false })).toEqual([
      fromA.version.itemId,
      fromAEnglish.version.itemId,
    ]);
    expect(await ids({ partnerId: b, canReadFeed: false })).toEqual([fromB.version.itemId]);
    expect(await ids({ partnerId: consumer, canReadFeed: true })).toEqual([fromA.version.itemId]);
    // An entitlement without the feed:read scope grants nothing.
    expect(await ids({ partnerId: stranger, canReadFeed: false })).toEqual([]);
    expect(await ids({ partnerId: stranger, canReadFeed: true })).toHaveLength(3);
    // Filters narrow within the entitlement and never widen it.
    expect(await ids({ partnerId: consumer, canReadFeed: true }, { source: b })).toEqual([]);
    expect(await ids({ partnerId: stranger, canReadFeed: true }, { language: 'en' })).toEqual([
      fromAEnglish.version.itemId,
    ]);
    // Documents are inline.
    const { entries } = await readAll(w.feed, { partnerId: consumer, canReadFeed: true });
    expect(entries[0]?.document.uri).toBe(fromA.version.uri);

    // A revocation applies to the very next request.
    await w.entitlements.remove(consumer);
    expect(await ids({ partnerId: consumer, canReadFeed: true })).toEqual([]);
  });

  it('keeps held versions out unless the consumer is entitled to embargoed content and asks', async () => {
    const w = await world();
    const [source, plain, embargoed] = [await partner(), await partner(), await partner()];
    const held = await w.items.submit({ partnerId: source }, doc({ pubstatus: 'withheld' }));
    const open = await w.items.submit({ partnerId: source }, doc());
    for (const v of [held, open]) await w.record(v.version);
    await w.entitlements.put(entitle(plain));
    await w.entitlements.put(entitle(embargoed, { embargoed: true }));
    const ids = async (partnerId: string, query: FeedQuery = {}) =>
      (await readAll(w.feed, { partnerId, canReadFeed: true }, query)).entries.map((e) => e.itemId);

    expect(await ids(plain)).toEqual([open.version.itemId]);
    expect(await ids(plain, { held: 'true' })).toEqual([open.version.itemId]);
    expect(await ids(embargoed)).toEqual([open.version.itemId]);
    expect(await ids(embargoed, { held: 'true' })).toEqual([held.version.itemId, open.version.itemId]);
    // The owner sees its own held version when it asks.
    expect(await ids(source, { held: 'true' })).toEqual([held.version.itemId, open.version.itemId]);
  });
});

describe('cursors', () => {
  it("refuses malformed, forged and other partners' cursors with 400 pointing at /cursor", async () => {
    const w = await world();
    const [a, b] = [await partner(), await partner()];
    const { version } = await w.items.submit({ partnerId: a }, doc());
    await w.record(version);
    const page = await w.feed.read({ partnerId: a, canReadFeed: false }, {});
    const [payload, mac] = page.cursor.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ k: 'feed', i: Math.floor(Date.now() / 1000), p: { s: 0 } }),
    ).toString('base64url');
    for (const cursor of [
      'garbage',
      `${payload}.`,
      `${forgedPayload}.${mac}`,
      `${payload}.${mac}x`,
      'a.b.c',
    ]) {
      const error = await w.feed
        .read({ partnerId: a, canReadFeed: false }, { cursor })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors?.[0]?.pointer).toBe('/cursor');
    }
    // A's genuine cursor is refused for B.
    await expect(
      w.feed.read({ partnerId: b, canReadFeed: true }, { cursor: page.cursor }),
    ).rejects.toBeInstanceOf(ValidationError);
    // And the genuine cursor resumes after the page for A.
    expect(
      (await w.feed.read({ partnerId: a, canReadFeed: false }, { cursor: page.cursor })).entries,
    ).toEqual([]);
  });

  it('refuses bad query parameters with pointers', async () => {
    const w = await world();
    const error = (await w.feed
      .read(
        { partnerId: 'ptn_x', canReadFeed: false },
        { limit: '0', wait: '21', type: 'Nope', since: 'yesterday' },
      )
      .catch((e: unknown) => e)) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.errors?.map((e) => e.pointer).sort()).toEqual(['/limit', '/since', '/type', '/wait']);
  });

  it('starts from a point in time with since', async () => {
    const w = await world();
    const source = await partner();
    const first = await w.items.submit({ partnerId: source }, doc());
    await w.record(first.version);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const middle = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await w.items.submit({ partnerId: source }, doc());
    await w.record(second.version);
    const { entries } = await readAll(w.feed, { partnerId: source, canReadFeed: false }, { since: middle });
    expect(entries.map((e) => e.itemId)).toEqual([second.version.itemId]);
  });

  it('gives the same ETag for an unchanged page and another once something arrives', async () => {
    const w = await world();
    const source = await partner();
    const caller = { partnerId: source, canReadFeed: false };
    const empty = await w.feed.read(caller, {});
    expect((await w.feed.read(caller, {})).etag).toBe(empty.etag);
    const { version } = await w.items.submit({ partnerId: source }, doc());
    await w.record(version);
    expect((await w.feed.read(caller, {})).etag).not.toBe(empty.etag);
  });
});

describe('long-poll', () => {
  it('holds an empty page until a visible change arrives, and answers with it', async () => {
    const w = await world();
    const source = await partner();
    const caller = { partnerId: source, canReadFeed: false };
    const { cursor } = await w.feed.read(caller, {});
    const waiting = w.feed.read(caller, { cursor, wait: '15' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { version } = await w.items.submit({ partnerId: source }, doc());
    await w.record(version);
    const page = await waiting;
    expect(page.entries.map((e) => e.itemId)).toEqual([version.itemId]);
  });

  it('returns an empty page with a cursor when nothing arrives', async () => {
    const w = await world();
    const caller = { partnerId: await partner(), canReadFeed: false };
    const page = await w.feed.read(caller, { wait: '1' });
    expect(page.entries).toEqual([]);
    expect((await w.feed.read(caller, { cursor: page.cursor })).entries).toEqual([]);
  });
});
