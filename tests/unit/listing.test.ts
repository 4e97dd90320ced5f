import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  earliestFailure,
  listingOfStreamRecord,
  projectListing,
} from '#functions/feed-projector/project-listing.ts';
import { toVersionRecord } from '#shared/adapters/dynamodb/item-records.ts';
import { CursorCodec } from '#shared/domain/cursors.ts';
import { contentHashOf } from '#shared/domain/ingest/canonical-json.ts';
import type { ItemVersion, NinjsDocument } from '#shared/domain/item.ts';
import { ItemsReadService, LIST_SCAN_BUDGET } from '#shared/domain/items-read-service.ts';
import { ItemsService } from '#shared/domain/items-service.ts';
import { type ItemListing, listingOf, supersedesListing } from '#shared/domain/listing.ts';
import { InMemoryItemStore } from '../support/in-memory-item-store';

const owner = { partnerId: 'ptn_owner' };
const cursors = new CursorCodec(new Uint8Array(32).fill(3));

function version(overrides: Partial<ItemVersion> = {}): ItemVersion {
  const document: NinjsDocument = {
    uri: 'urn:x:1',
    language: 'ar',
    headlines: [{ value: '' }, { value: 'عنوان' }],
    places: [{ name: 'Kuwait', code: 'KWT' }, { name: 'nameless' }],
  };
  return {
    itemId: 'itm_1',
    version: 1,
    partnerId: owner.partnerId,
    uri: document.uri,
    language: 'ar',
    pubstatus: 'usable',
    receivedAt: '2026-01-01T00:00:00.000Z',
    contentHash: contentHashOf(document),
    document,
    ...overrides,
  };
}

function record(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  row: Record<string, unknown>,
  old?: Record<string, unknown>,
): DynamoDBRecord {
  return {
    eventName,
    dynamodb: {
      Keys: marshall({ PK: row.PK, SK: row.SK }) as never,
      NewImage: marshall(row, { removeUndefinedValues: true }) as never,
      ...(old && { OldImage: marshall(old, { removeUndefinedValues: true }) as never }),
      SequenceNumber: String(Math.random()),
    },
  };
}

const row = (v: ItemVersion): Record<string, unknown> => ({
  ...toVersionRecord(v, { itemCreatedAt: '2025-12-31T00:00:00.000Z', writeId: 'w' }),
});

describe('the listing row of a stream record', () => {
  it('is the latest version summary for an INSERT of a version row', () => {
    expect(listingOfStreamRecord(record('INSERT', row(version())))).toEqual({
      itemId: 'itm_1',
      partnerId: owner.partnerId,
      version: 1,
      uri: 'urn:x:1',
      language: 'ar',
      pubstatus: 'usable',
      headline: 'عنوان',
      // A concept's code, else its uri, else its name (as in events).
      places: ['KWT', 'nameless'],
      createdAt: '2025-12-31T00:00:00.000Z',
      receivedAt: '2026-01-01T00:00:00.000Z',
      changedAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('is the release for the MODIFY that sets releasedAt, and nothing for other changes', () => {
    const held = version({
      hold: { kind: 'embargo', until: '2026-01-02T00:00:00.000Z' },
      publicBefore: false,
    });
    const released = { ...row(held), releasedAt: '2026-01-02T00:00:00.000Z' };
    expect(listingOfStreamRecord(record('MODIFY', released, row(held)))).toMatchObject({
      changedAt: '2026-01-02T00:00:00.000Z',
      releasedAt: '2026-01-02T00:00:00.000Z',
    });
    // A supersession, a repeated release, a removal, a translation or a feed row: no listing change.
    const superseded = { ...row(held), supersededAt: '2026-01-01T01:00:00.000Z' };
    expect(listingOfStreamRecord(record('MODIFY', superseded, row(held)))).toBeUndefined();
    expect(listingOfStreamRecord(record('MODIFY', released, released))).toBeUndefined();
    expect(listingOfStreamRecord(record('REMOVE', row(held)))).toBeUndefined();
    expect(
      listingOfStreamRecord(record('INSERT', { PK: 'TRANSLATION#itm_1', SK: 'TR#en#V#000000001' })),
    ).toBe(undefined);
    expect(listingOfStreamRecord(record('INSERT', { PK: 'FEED', SK: 'S#000000000000001' }))).toBeUndefined();
  });

  it('orders a later version, or the release of the same one, after the stored row, never before', () => {
    const v1 = listingOf(version(), '2026-01-01T00:00:00.000Z');
    const v2 = { ...v1, version: 2, changedAt: '2026-01-01T00:01:00.000Z' };
    const v2Released = { ...v2, changedAt: '2026-01-01T00:05:00.000Z' };
    expect(supersedesListing(undefined, v1)).toBe(true);
    expect(supersedesListing(v1, v2)).toBe(true);
    expect(supersedesListing(v2, v2Released)).toBe(true);
    expect(supersedesListing(v2, v1)).toBe(false);
    expect(supersedesListing(v2Released, v2)).toBe(false);
    expect(supersedesListing(v2, v2)).toBe(false);
  });

  it('resumes a batch from the earliest record that the feed or the listing failed on', async () => {
    const records = [1, 2, 3, 4].map((n) => record('INSERT', row(version({ itemId: `itm_${n}` }))));
    const seq = (n: number) => records[n]!.dynamodb!.SequenceNumber!;
    const put: string[] = [];
    const listings = {
      put: async (l: ItemListing) => {
        if (l.itemId === 'itm_2') throw new Error('throttled');
        put.push(l.itemId);
        return true;
      },
    };
    const logger = { error: () => undefined, debug: () => undefined };
    // The listing fails on the second record only; the others are written.
    const listed = await projectListing(records, { listings, logger });
    expect(listed).toEqual({ batchItemFailures: [{ itemIdentifier: seq(1) }] });
    expect(put.sort()).toEqual(['itm_1', 'itm_3', 'itm_4']);
    // The feed failed on the third record: the batch resumes from the second, the earlier of the two.
    const fedFailed = { batchItemFailures: [{ itemIdentifier: seq(2) }] };
    expect(earliestFailure(records, [fedFailed, listed])).toEqual({
      batchItemFailures: [{ itemIdentifier: seq(1) }],
    });
    expect(earliestFailure(records, [fedFailed, { batchItemFailures: [] }])).toEqual(fedFailed);
    expect(earliestFailure(records, [{ batchItemFailures: [] }, { batchItemFailures: [] }])).toEqual({
      batchItemFailures: [],
    });
    // An identifier from outside the batch: the whole batch again.
    expect(earliestFailure(records, [{ batchItemFailures: [{ itemIdentifier: 'unknown' }] }])).toEqual({
      batchItemFailures: [{ itemIdentifier: seq(0) }],
    });
  });

  it("writes only an item's latest change of the batch", async () => {
    const v1 = version({ itemId: 'itm_x', version: 1 });
    const v2 = version({ itemId: 'itm_x', version: 2 });
    const written: number[] = [];
    const listings = {
      put: async (l: ItemListing) => {
        written.push(l.version);
        return true;
      },
    };
    const logger = { error: () => undefined, debug: () => undefined };
    await projectListing([record('INSERT', row(v1)), record('INSERT', row(v2))], { listings, logger });
    expect(written).toEqual([2]);
  });
});

describe('ItemsReadService.listItems', () => {
  async function world(count: number, overrides: (n: number) => Partial<NinjsDocument> = () => ({})) {
    const store = new InMemoryItemStore();
    let tick = 0;
    const items = new ItemsService({ store, clock: () => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, tick++)) });
    for (let n = 0; n < count; n++) {
      const document: NinjsDocument = { uri: `urn:x:${n}`, language: 'ar', headlines: [{ value: `${n}` }] };
      const full = { ...document, ...overrides(n) };
      await items.submit(owner, { document: full, contentHash: contentHashOf(full), warnings: [] });
    }
    const reads = new ItemsReadService({
      store,
      translations: { get: async () => undefined, getVersion: async () => undefined },
      cursors: async () => cursors,
    });
    return { store, reads };
  }

  it('bounds the rows one page reads: a filter that matches nothing answers an empty page with a cursor', async () => {
    const { store, reads } = await world(LIST_SCAN_BUDGET + 150, (n) => (n === 0 ? { language: 'en' } : {}));
    const reads0 = { count: 0 };
    const listOwned = store.listOwned.bind(store);
    store.listOwned = async (...args) => {
      const page = await listOwned(...args);
      reads0.count += page.rows.length;
      return page;
    };

    const first = await reads.listItems(owner, { language: 'en' });
    expect(first.items).toEqual([]);
    expect(reads0.count).toBe(LIST_SCAN_BUDGET);
    expect(first.cursor).toBeDefined();
    const second = await reads.listItems(owner, { language: 'en', cursor: first.cursor! });
    // The oldest item is the English one; the listing then ends.
    expect(second.items.map((i) => i.uri)).toEqual(['urn:x:0']);
    expect(second.cursor).toBeUndefined();
  });

  it('ends without a cursor exactly when the last item was listed', async () => {
    const { reads } = await world(4);
    const first = await reads.listItems(owner, { limit: '2' });
    expect(first.items.map((i) => i.uri)).toEqual(['urn:x:3', 'urn:x:2']);
    const second = await reads.listItems(owner, { limit: '2', cursor: first.cursor! });
    expect(second.items.map((i) => i.uri)).toEqual(['urn:x:1', 'urn:x:0']);
    expect(second.cursor).toBeUndefined();
    expect((await reads.listItems({ partnerId: 'ptn_other' }, {})).items).toEqual([]);
  });
});
