import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoItemReadStore } from '#shared/adapters/dynamodb/item-read-store.ts';
import { MalformedRecordError } from '#shared/adapters/dynamodb/item-records.ts';
import { DynamoItemStore } from '#shared/adapters/dynamodb/item-store.ts';
import { itemPk, versionKey } from '#shared/adapters/dynamodb/table-design.ts';
import { PayloadTooLargeError } from '#shared/domain/errors.ts';
import { newId } from '#shared/domain/ids.ts';
import type { ItemHead, ItemVersion } from '#shared/domain/item.ts';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createItemsTable } from '../support/tables';

let raw: DynamoDBClient;
/** Reads and writes rows directly, to check and to tamper with what the store wrote. */
let client: DynamoDBDocumentClient;
let tableName: string;
let store: DynamoItemStore;
let readStore: DynamoItemReadStore;

beforeAll(async () => {
  raw = localDynamoClient();
  tableName = await createItemsTable(raw, uniqueTableName('items'));
  client = DynamoDBDocumentClient.from(raw);
  store = new DynamoItemStore(raw, tableName);
  readStore = new DynamoItemReadStore(raw, tableName);
});

function version(overrides: Partial<ItemVersion> = {}): ItemVersion {
  const uri = overrides.uri ?? `urn:test:${randomUUID()}`;
  const language = overrides.language ?? 'en';
  return {
    itemId: newId('itm'),
    version: 1,
    partnerId: 'ptn_A',
    uri,
    language,
    pubstatus: 'usable',
    receivedAt: '2025-03-01T10:00:00.000Z',
    contentHash: 'a'.repeat(64),
    document: { uri, language, headlines: [{ value: 'Ministers meet in Kuwait — بيان' }] },
    ...overrides,
  };
}

function nextOf(previous: ItemVersion, overrides: Partial<ItemVersion> = {}): ItemVersion {
  return {
    ...previous,
    version: previous.version + 1,
    receivedAt: new Date(Date.parse(previous.receivedAt) + 60_000).toISOString(),
    contentHash: `${previous.version + 1}`.padStart(64, 'b'),
    ...overrides,
  };
}

/** Every row in the item's partition, as [SK, row]. */
async function partitionRows(itemId: string): Promise<[string, Record<string, unknown>][]> {
  const { Items } = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': itemPk(itemId) },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []).map((item) => [String(item.SK), item]);
}

function baseOf(head: ItemHead | undefined): ItemHead {
  expect(head).toBeDefined();
  return head!;
}

describe('DynamoItemStore.createItem', () => {
  it('writes version 1 as the only row, readable back unchanged, with the head derived from it', async () => {
    const first = version();
    await expect(store.createItem(first)).resolves.toEqual({ created: true });

    expect(await store.getVersion(first.itemId, 1)).toEqual(first);
    expect(await store.getHead(first.itemId)).toEqual({
      itemId: first.itemId,
      partnerId: 'ptn_A',
      uri: first.uri,
      version: 1,
      pubstatus: 'usable',
      language: 'en',
      contentHash: first.contentHash,
      createdAt: first.receivedAt,
      updatedAt: first.receivedAt,
    });
    const rows = await partitionRows(first.itemId);
    expect(rows.map(([sk]) => sk)).toEqual(['V#000000001']);
    const [, row] = rows[0]!;
    expect(row.itemCreatedAt).toBe(first.receivedAt);
    // No listing uses GSI1 yet, so no row is indexed in it.
    expect(row).not.toHaveProperty('GSI1PK');
    expect(row).not.toHaveProperty('GSI1SK');
  });

  it('stores the document as a JSON string attribute, byte for byte', async () => {
    const first = version();
    await store.createItem(first);
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: versionKey(first.itemId, 1) }),
    );
    expect(Item?.document).toBe(JSON.stringify(first.document));
    expect(Item?.SK).toBe('V#000000001');
    expect(Item?.entity).toBe('ItemVersion');
  });

  it('returns the latest head, and writes nothing, when the item already exists', async () => {
    const first = version();
    await store.createItem(first);
    const second = nextOf(first);
    await store.appendVersion(second, baseOf(await store.getHead(first.itemId)));
    const again = { ...first, contentHash: 'c'.repeat(64), receivedAt: '2025-04-01T00:00:00.000Z' };

    const result = await store.createItem(again);

    expect(result).toEqual({
      created: false,
      existing: expect.objectContaining({
        itemId: first.itemId,
        version: 2,
        contentHash: second.contentHash,
      }),
    });
    expect(await store.getVersion(first.itemId, 1)).toEqual(first);
    expect((await partitionRows(first.itemId)).map(([sk]) => sk)).toEqual(['V#000000001', 'V#000000002']);
  });

  it('refuses to answer with an item of another (partner, uri) under the same id', async () => {
    const first = version();
    await store.createItem(first);
    await expect(store.createItem(version({ itemId: first.itemId }))).rejects.toThrow(/taken by another/);
    await expect(
      store.createItem(version({ itemId: first.itemId, uri: first.uri, partnerId: 'ptn_B' })),
    ).rejects.toThrow(/taken by another/);
    expect(await store.getVersion(first.itemId, 1)).toEqual(first);
  });

  it('leaves exactly one item with one version row when 20 creates of the same item race', async () => {
    const itemId = newId('itm');
    const uri = `urn:test:${randomUUID()}`;
    const attempts = Array.from({ length: 20 }, (_, i) =>
      version({ itemId, uri, contentHash: `${i}`.padStart(64, 'f') }),
    );

    const results = await Promise.all(attempts.map((attempt) => store.createItem(attempt)));

    const createdIndexes = results.flatMap((result, index) => (result.created ? [index] : []));
    expect(createdIndexes).toHaveLength(1);
    const winner = attempts[createdIndexes[0]!]!;
    for (const result of results) {
      if (!result.created)
        expect(result.existing).toMatchObject({ itemId, version: 1, contentHash: winner.contentHash });
    }
    expect((await partitionRows(itemId)).map(([sk]) => sk)).toEqual(['V#000000001']);
    expect(await store.getVersion(itemId, 1)).toEqual(winner);
  });

  it('counts an SDK retry of its own successful put as created, not as a competing writer', async () => {
    // Same writeId for every write of this store: the second put replays the first, as an SDK
    // retry does when the response to a successful put was lost.
    const replaying = new DynamoItemStore(raw, tableName, { newWriteId: () => 'write-1' });
    const first = version();
    await expect(replaying.createItem(first)).resolves.toEqual({ created: true });
    await expect(replaying.createItem(first)).resolves.toEqual({ created: true });
    // Anyone else is told the item exists.
    await expect(store.createItem(first)).resolves.toMatchObject({ created: false });

    const second = nextOf(first);
    const base = baseOf(await store.getHead(first.itemId));
    await expect(replaying.appendVersion(second, base)).resolves.toBe(true);
    await expect(replaying.appendVersion(second, base)).resolves.toBe(true);
    await expect(store.appendVersion(second, base)).resolves.toBe(false);
    expect((await partitionRows(first.itemId)).map(([sk]) => sk)).toEqual(['V#000000001', 'V#000000002']);
  });
});

describe('DynamoItemStore.appendVersion', () => {
  it("appends the next version, which becomes the head; createdAt stays version 1's", async () => {
    const first = version();
    await store.createItem(first);
    const second = nextOf(first, { language: 'fr', pubstatus: 'withheld' });

    await expect(store.appendVersion(second, baseOf(await store.getHead(first.itemId)))).resolves.toBe(true);

    expect(await store.getVersion(first.itemId, 2)).toEqual(second);
    expect(await store.getHead(first.itemId)).toEqual({
      itemId: first.itemId,
      partnerId: first.partnerId,
      uri: first.uri,
      version: 2,
      language: 'fr',
      pubstatus: 'withheld',
      contentHash: second.contentHash,
      createdAt: first.receivedAt,
      updatedAt: second.receivedAt,
    });
    const rows = await partitionRows(first.itemId);
    expect(rows.map(([sk, row]) => [sk, row.itemCreatedAt])).toEqual([
      ['V#000000001', first.receivedAt],
      ['V#000000002', first.receivedAt],
    ]);
  });

  it('returns false, writing nothing, when the next version is already taken', async () => {
    const first = version();
    await store.createItem(first);
    const base = baseOf(await store.getHead(first.itemId));
    const second = nextOf(first);
    await store.appendVersion(second, base);

    const staleSecond = nextOf(first, { contentHash: 'd'.repeat(64) });
    await expect(store.appendVersion(staleSecond, base)).resolves.toBe(false);

    expect(await store.getVersion(first.itemId, 2)).toEqual(second);
    expect((await store.getHead(first.itemId))?.version).toBe(2);
  });

  it('refuses a version that does not follow its base', async () => {
    const first = version();
    await store.createItem(first);
    const base = baseOf(await store.getHead(first.itemId));

    await expect(store.appendVersion(nextOf(nextOf(first)), base)).rejects.toBeInstanceOf(RangeError);
    await expect(store.appendVersion(nextOf(version()), base)).rejects.toBeInstanceOf(RangeError);
    expect((await partitionRows(first.itemId)).map(([sk]) => sk)).toEqual(['V#000000001']);
  });

  it('lets exactly one of 10 racing appends on the same version win', async () => {
    const first = version();
    await store.createItem(first);
    const base = baseOf(await store.getHead(first.itemId));
    const contenders = Array.from({ length: 10 }, (_, i) =>
      nextOf(first, { contentHash: `${i}`.padStart(64, 'e') }),
    );

    const results = await Promise.all(contenders.map((next) => store.appendVersion(next, base)));

    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = contenders[results.indexOf(true)]!;
    expect(await store.getVersion(first.itemId, 2)).toEqual(winner);
    expect(await store.getHead(first.itemId)).toMatchObject({ version: 2, contentHash: winner.contentHash });
    expect((await partitionRows(first.itemId)).map(([sk]) => sk)).toEqual(['V#000000001', 'V#000000002']);
  });
});

describe('DynamoItemStore reads', () => {
  it('lists versions in ascending order across pages, with only their summaries', async () => {
    const first = version();
    await store.createItem(first);
    // Large documents force the 1 MB query pages to split the result.
    const bulky = { ...first.document, bodies: [{ value: 'x'.repeat(300_000) }] };
    let previous = first;
    for (let n = 2; n <= 12; n++) {
      const next = nextOf(previous, { document: bulky, pubstatus: n === 12 ? 'canceled' : 'usable' });
      expect(await store.appendVersion(next, baseOf(await store.getHead(first.itemId)))).toBe(true);
      previous = next;
    }

    const summaries = await readStore.listVersions(first.itemId);

    expect(summaries.map((s) => s.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(summaries[0]).toEqual({ version: 1, pubstatus: 'usable', receivedAt: first.receivedAt });
    expect(summaries[11]).toEqual({ version: 12, pubstatus: 'canceled', receivedAt: previous.receivedAt });
    expect(await store.getHead(first.itemId)).toMatchObject({ version: 12, pubstatus: 'canceled' });
  });

  it('reads a page of versions after a version: Limit honoured, no document read, translation rows never in range', async () => {
    const first = version();
    await store.createItem(first);
    let previous = first;
    for (let n = 2; n <= 7; n++) {
      const next = nextOf(previous);
      expect(await store.appendVersion(next, baseOf(await store.getHead(first.itemId)))).toBe(true);
      previous = next;
    }
    // Rows sorting before and after the versions share the partition.
    for (const sk of ['TR#ar#V#000000001', 'TR#zz#V#999999999', 'W#after', 'A#before']) {
      await client.send(new PutCommand({ TableName: tableName, Item: { PK: itemPk(first.itemId), SK: sk } }));
    }
    const send = vi.spyOn(raw, 'send');
    try {
      const page = await readStore.listVersions(first.itemId, { after: 2, limit: 3 });
      expect(page.map((s) => s.version)).toEqual([3, 4, 5]);
      expect(send).toHaveBeenCalledTimes(1);
      const input = (send.mock.calls[0]![0] as QueryCommand).input;
      expect(input).toMatchObject({ Limit: 3, ConsistentRead: true });
      expect(Object.values(input.ExpressionAttributeNames ?? {})).not.toContain('document');
    } finally {
      send.mockRestore();
    }
    expect(
      (await readStore.listVersions(first.itemId, { after: 5, limit: 10 })).map((s) => s.version),
    ).toEqual([6, 7]);
    expect(await readStore.listVersions(first.itemId, { after: 7, limit: 10 })).toEqual([]);
  });

  it('reads the head as the latest version row only: one consistent query that leaves the document out', async () => {
    const first = version();
    await store.createItem(first);
    // Translation rows share the partition and must never be taken for a version.
    for (const sk of ['TR#ar#V#000000001', 'TR#zz#V#999999999']) {
      await client.send(new PutCommand({ TableName: tableName, Item: { PK: itemPk(first.itemId), SK: sk } }));
    }
    const send = vi.spyOn(raw, 'send');
    try {
      expect(await store.getHead(first.itemId)).toMatchObject({ itemId: first.itemId, version: 1 });
      expect(send).toHaveBeenCalledTimes(1);
      const input = (send.mock.calls[0]![0] as QueryCommand).input;
      expect(input).toMatchObject({ ScanIndexForward: false, Limit: 1, ConsistentRead: true });
      expect(Object.values(input.ExpressionAttributeNames ?? {})).not.toContain('document');
    } finally {
      send.mockRestore();
    }
  });

  it('answers undefined or empty for unknown items and versions, and for a partition without versions', async () => {
    expect(await store.getHead('itm_unknown')).toBeUndefined();
    expect(await store.getVersion('itm_unknown', 1)).toBeUndefined();
    expect(await store.getVersion('itm_unknown', 0)).toBeUndefined();
    expect(await readStore.listVersions('itm_unknown')).toEqual([]);
    const itemId = newId('itm');
    await client.send(
      new PutCommand({ TableName: tableName, Item: { PK: itemPk(itemId), SK: 'TR#en#V#000000001' } }),
    );
    expect(await store.getHead(itemId)).toBeUndefined();
  });

  it('rejects a malformed row with a typed error instead of returning garbage', async () => {
    const itemId = newId('itm');
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...versionKey(itemId, 1), itemId, version: 1, partnerId: 'ptn_A', document: '{not json' },
      }),
    );
    await expect(store.getVersion(itemId, 1)).rejects.toBeInstanceOf(MalformedRecordError);
    await expect(store.getHead(itemId)).rejects.toBeInstanceOf(MalformedRecordError);
  });
});

describe('DynamoDB item size limit', () => {
  it('refuses a version over 400 KB with PayloadTooLargeError (413), never an unknown error', async () => {
    const big = version();
    big.document = { ...big.document, bodies: [{ value: 'x'.repeat(410_000) }] };
    const error = await store.createItem(big).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).status).toBe(413);
    expect(await store.getHead(big.itemId)).toBeUndefined();
  });
});
