import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectListing } from '#functions/feed-projector/project-listing.ts';
import { DynamoItemListingStore } from '#shared/adapters/dynamodb/item-listing-store.ts';
import { DynamoItemReadStore } from '#shared/adapters/dynamodb/item-read-store.ts';
import { toVersionRecord } from '#shared/adapters/dynamodb/item-records.ts';
import { DynamoItemStore, DynamoReleaseStore } from '#shared/adapters/dynamodb/item-store.ts';
import { DynamoTranslationStore } from '#shared/adapters/dynamodb/translation-store.ts';
import { CursorCodec } from '#shared/domain/cursors.ts';
import { ValidationError } from '#shared/domain/errors.ts';
import { contentHashOf } from '#shared/domain/ingest/canonical-json.ts';
import type { ItemVersion, NinjsDocument } from '#shared/domain/item.ts';
import { type ItemListQuery, ItemsReadService } from '#shared/domain/items-read-service.ts';
import { ItemsService } from '#shared/domain/items-service.ts';
import { listingOf } from '#shared/domain/listing.ts';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createItemsTable } from '../support/tables';

/**
 * GET /v1/items on DynamoDB Local: the listing rows the feed projector keeps from the items table
 * stream (fed here with stream records built from the rows ingest wrote), read through GSI1 by
 * ItemsReadService with cursors, filters and release states.
 */

let client: DynamoDBClient;
let tableName: string;
let items: ItemsService;
let reads: ItemsReadService;
let writes: DynamoItemStore;
let releases: DynamoReleaseStore;
const cursors = new CursorCodec(randomBytes(32));
let sequence = 0;

beforeAll(async () => {
  client = localDynamoClient();
  tableName = await createItemsTable(client, uniqueTableName('listing'));
  writes = new DynamoItemStore(client, tableName);
  releases = new DynamoReleaseStore(client, tableName);
  items = new ItemsService({ store: writes });
  reads = new ItemsReadService({
    store: new DynamoItemReadStore(client, tableName),
    translations: new DynamoTranslationStore(client, tableName),
    cursors: async () => cursors,
  });
});

const listings = () => new DynamoItemListingStore(client, tableName);
const logger = { error: () => undefined, debug: () => undefined };

/** The stream record of a version row as Lambda delivers it (INSERT, or a MODIFY from `before`). */
function streamRecord(version: ItemVersion, createdAt: string, before?: ItemVersion): DynamoDBRecord {
  // A release sets releasedAt on the row (the sweeper's update); version rows are written without it.
  const image = (v: ItemVersion) =>
    marshall({
      ...toVersionRecord(v, { itemCreatedAt: createdAt, writeId: 'w' }),
      ...(v.releasedAt && { releasedAt: v.releasedAt }),
    }) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
  const row = toVersionRecord(version, { itemCreatedAt: createdAt, writeId: 'w' });
  return {
    eventName: before ? 'MODIFY' : 'INSERT',
    dynamodb: {
      Keys: { PK: { S: row.PK }, SK: { S: row.SK } },
      NewImage: image(version),
      ...(before && { OldImage: image(before) }),
      SequenceNumber: String(++sequence),
    },
  };
}

/** What the projector does with each new version. */
async function project(...versions: { version: ItemVersion; createdAt: string; before?: ItemVersion }[]) {
  const outcome = await projectListing(
    versions.map((v) => streamRecord(v.version, v.createdAt, v.before)),
    { listings: listings(), logger },
  );
  expect(outcome.batchItemFailures).toEqual([]);
}

function partner(): { partnerId: string } {
  return { partnerId: `ptn_${randomBytes(6).toString('hex')}` };
}

let uriCounter = 0;
function doc(overrides: Partial<NinjsDocument> = {}) {
  const document: NinjsDocument = {
    uri: `urn:test:listing:${++uriCounter}:${randomBytes(4).toString('hex')}`,
    language: 'ar',
    headlines: [{ value: `خبر ${uriCounter}` }],
    ...overrides,
  };
  return { document, contentHash: contentHashOf(document), warnings: [] };
}

async function submit(owner: { partnerId: string }, overrides: Partial<NinjsDocument> = {}) {
  const { version } = await items.submit(owner, doc(overrides));
  await project({ version, createdAt: version.receivedAt });
  return version;
}

async function listAll(owner: { partnerId: string }, query: ItemListQuery = {}, limit = '2') {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await reads.listItems(owner, { ...query, limit, ...(cursor && { cursor }) });
    ids.push(...page.items.map((item) => item.itemId));
    if (page.cursor === undefined) return ids;
    cursor = page.cursor;
  }
  throw new Error('the listing never ended');
}

async function rejection(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => expect.fail('expected a 400'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('GET /v1/items', () => {
  it("lists the owner's items once each, latest change first, across pages; a correction moves an item to the top", async () => {
    const owner = partner();
    const created = [];
    for (let n = 0; n < 5; n++) created.push(await submit(owner));
    const first = created[0]!;

    expect(await listAll(owner)).toEqual(created.map((v) => v.itemId).reverse());

    const corrected = doc({ uri: first.uri, headlines: [{ value: 'corrected' }] });
    const { version: v2 } = await items.correct(owner, first.itemId, 1, corrected);
    await project({ version: v2, createdAt: first.receivedAt });
    const ids = await listAll(owner);
    expect(ids).toEqual([
      first.itemId,
      ...created
        .slice(1)
        .map((v) => v.itemId)
        .reverse(),
    ]);

    const [top] = (await reads.listItems(owner, { limit: '1' })).items;
    expect(top).toEqual({
      itemId: first.itemId,
      version: 2,
      uri: first.uri,
      language: 'ar',
      pubstatus: 'usable',
      headline: 'corrected',
      type: 'NewsItemCorrected',
      createdAt: first.receivedAt,
      updatedAt: v2.receivedAt,
      release: { state: 'public', releasedAt: v2.receivedAt },
    });
  });

  it('never moves an item back when an older stream record is replayed', async () => {
    const owner = partner();
    const v1 = await submit(owner);
    const { version: v2 } = await items.correct(owner, v1.itemId, 1, doc({ uri: v1.uri, title: 'new' }));
    await project({ version: v2, createdAt: v1.receivedAt });

    expect(await listings().put(listingOf(v1, v1.receivedAt))).toBe(false);
    await project({ version: v1, createdAt: v1.receivedAt });
    expect((await reads.listItems(owner, {})).items.map((i) => i.version)).toEqual([2]);
  });

  it('shows held items to their owner with the release state, and the release moves them to the top', async () => {
    const owner = partner();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const held = await submit(owner, { embargoed: until });
    const withheld = await submit(owner, { pubstatus: 'withheld' });
    const open = await submit(owner);

    const page = await reads.listItems(owner, {});
    expect(page.items.map((i) => [i.itemId, i.release])).toEqual([
      [open.itemId, { state: 'public', releasedAt: open.receivedAt }],
      [withheld.itemId, { state: 'held', hold: 'withheld' }],
      [held.itemId, { state: 'held', hold: 'embargo', releaseAt: until }],
    ]);
    expect((await reads.listItems(owner, { held: 'true' })).items.map((i) => i.itemId)).toEqual([
      withheld.itemId,
      held.itemId,
    ]);
    expect((await reads.listItems(owner, { held: 'false' })).items.map((i) => i.itemId)).toEqual([
      open.itemId,
    ]);

    // The release (the sweeper's conditional write once the embargo time has come), as the stream carries it.
    expect(await releases.release(held.itemId, 1, until)).toBe(true);
    const released = await writes.getVersion(held.itemId, 1);
    await project({ version: released!, createdAt: held.receivedAt, before: held });

    const [top] = (await reads.listItems(owner, {})).items;
    expect(top).toMatchObject({
      itemId: held.itemId,
      updatedAt: until,
      type: 'NewsItemPublished',
      release: { state: 'released', hold: 'embargo', releaseAt: until, releasedAt: until },
    });
    expect((await reads.listItems(owner, { held: 'true' })).items.map((i) => i.itemId)).toEqual([
      withheld.itemId,
    ]);
  });

  it('filters by language, type, place and subject', async () => {
    const owner = partner();
    const english = await submit(owner, { language: 'en-GB' });
    const placed = await submit(owner, { places: [{ code: 'KWT', name: 'Kuwait' }] });
    const subject = await submit(owner, { subjects: [{ code: 'medtop:11000000' }] });
    const retracted = await submit(owner);
    const { version: gone } = await items.retract(owner, retracted.itemId, 1);
    await project({ version: gone, createdAt: retracted.receivedAt });

    expect(await listAll(owner, { language: 'en' })).toEqual([english.itemId]);
    expect(await listAll(owner, { type: 'NewsItemRetracted' })).toEqual([retracted.itemId]);
    expect(await listAll(owner, { place: 'KWT,BEL' })).toEqual([placed.itemId]);
    expect(await listAll(owner, { subject: 'medtop:11000000' })).toEqual([subject.itemId]);
    expect(await listAll(owner, { language: 'ar', type: 'NewsItemPublished' }, '1')).toEqual([
      subject.itemId,
      placed.itemId,
    ]);
  });

  it("never shows another partner's items, and refuses forged, altered and other partners' cursors", async () => {
    const a = partner();
    const b = partner();
    const mine = [await submit(a), await submit(a), await submit(a)];
    const theirs = await submit(b);

    expect(await listAll(b)).toEqual([theirs.itemId]);
    const page = await reads.listItems(a, { limit: '1' });
    expect(page.items.map((i) => i.itemId)).toEqual([mine[2]!.itemId]);
    const cursor = page.cursor!;

    // A's cursor is A's: B cannot use it to read A's listing (or anything).
    const foreign = await rejection(reads.listItems(b, { cursor }));
    expect(foreign.errors).toEqual([{ pointer: '/cursor', message: expect.any(String) }]);
    const [payload, mac] = cursor.split('.') as [string, string];
    const altered = Buffer.from(
      Buffer.from(payload, 'base64url')
        .toString('utf8')
        .replace(/"t":"[^"]*"/, '"t":"9999"'),
    ).toString('base64url');
    for (const bad of [
      `${altered}.${mac}`,
      `${payload}.${'A'.repeat(mac.length)}`,
      'nonsense',
      '',
      `${payload}`,
    ]) {
      await rejection(reads.listItems(a, { cursor: bad }));
    }
    // A feed cursor is not a listing cursor.
    await rejection(reads.listItems(a, { cursor: cursors.encode('feed', a.partnerId, { s: 1 }) }));
    expect((await reads.listItems(a, { cursor, limit: '5' })).items.map((i) => i.itemId)).toEqual([
      mine[1]!.itemId,
      mine[0]!.itemId,
    ]);
  });

  it('answers bad query parameters with a 400 naming each', async () => {
    const error = await rejection(
      reads.listItems(partner(), {
        limit: '0',
        type: 'NewsItemTranslated',
        held: 'yes',
        language: 'not a tag!',
      }),
    );
    expect(error.errors?.map((e) => e.pointer).sort()).toEqual(['/held', '/language', '/limit', '/type']);
  });
});
