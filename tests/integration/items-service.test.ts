import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoItemReadStore } from '#shared/adapters/dynamodb/item-read-store.ts';
import { DynamoItemStore } from '#shared/adapters/dynamodb/item-store.ts';
import { itemPk, VERSION_SK_PREFIX } from '#shared/adapters/dynamodb/table-design.ts';
import { DynamoTranslationStore } from '#shared/adapters/dynamodb/translation-store.ts';
import { CursorCodec } from '#shared/domain/cursors.ts';
import {
  ConflictError,
  ItemExistsError,
  NotFoundError,
  PreconditionFailedError,
} from '#shared/domain/errors.ts';
import { contentHashOf } from '#shared/domain/ingest/canonical-json.ts';
import type { NinjsDocument, PreparedItem } from '#shared/domain/item.ts';
import { ItemsReadService } from '#shared/domain/items-read-service.ts';
import { ItemsService } from '#shared/domain/items-service.ts';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createItemsTable } from '../support/tables';

const A = { partnerId: 'ptn_A' };
const B = { partnerId: 'ptn_B' };

let client: DynamoDBDocumentClient;
let tableName: string;
let service: ItemsService;
let reads: ItemsReadService;

beforeAll(async () => {
  const raw = localDynamoClient();
  tableName = await createItemsTable(raw, uniqueTableName('items'));
  client = DynamoDBDocumentClient.from(raw);
  service = new ItemsService({ store: new DynamoItemStore(raw, tableName) });
  const cursors = new CursorCodec(randomBytes(32));
  reads = new ItemsReadService({
    store: new DynamoItemReadStore(raw, tableName),
    translations: new DynamoTranslationStore(raw, tableName),
    cursors: async () => cursors,
  });
});

function prepare(document: NinjsDocument): PreparedItem {
  return { document, contentHash: contentHashOf(document), warnings: [] };
}

function article(overrides: Partial<NinjsDocument> = {}): NinjsDocument {
  return {
    uri: `urn:partner:story:${randomUUID()}`,
    language: 'ar',
    headlines: [{ value: 'اتصال هاتفي بين وزيري خارجية الكويت وبلجيكا' }],
    bodies: [{ role: 'main', contenttype: 'text/plain', value: 'تلقى وزير الخارجية اتصالا هاتفيا.' }],
    ...overrides,
  };
}

async function versionRowCount(itemId: string): Promise<number> {
  const { Count } = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :v)',
      ExpressionAttributeValues: { ':pk': itemPk(itemId), ':v': VERSION_SK_PREFIX },
      Select: 'COUNT',
      ConsistentRead: true,
    }),
  );
  return Count ?? 0;
}

describe('ItemsService on DynamoDB', () => {
  it('turns 20 parallel identical submits into one item with one version', async () => {
    const prepared = prepare(article());

    const results = await Promise.all(Array.from({ length: 20 }, () => service.submit(A, prepared)));

    expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'unchanged')).toHaveLength(19);
    const itemIds = new Set(results.map((r) => r.version.itemId));
    expect(itemIds.size).toBe(1);
    const [itemId] = [...itemIds];
    expect(await versionRowCount(itemId!)).toBe(1);
    expect(results.every((r) => r.version.version === 1)).toBe(true);
  });

  it('lets exactly one of 10 parallel corrections with the same If-Match through; the others get 412', async () => {
    const { version } = await service.submit(A, prepare(article()));
    const corrections = Array.from({ length: 10 }, (_, i) =>
      prepare({ ...version.document, title: `correction ${i}` }),
    );

    const settled = await Promise.allSettled(
      corrections.map((c) => service.correct(A, version.itemId, 1, c)),
    );

    const fulfilled = settled.filter((s) => s.status === 'fulfilled');
    const rejected = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(9);
    for (const reason of rejected) expect(reason).toBeInstanceOf(PreconditionFailedError);
    expect(await versionRowCount(version.itemId)).toBe(2);
    const latest = await reads.get(A, version.itemId);
    expect(fulfilled[0]?.value).toEqual({ outcome: 'corrected', version: latest, warnings: [] });
  });

  it('keeps every version through create, correct and retract', async () => {
    const original = article({ language: 'en', headlines: [{ value: 'Ministers speak' }] });
    const { version: v1 } = await service.submit(A, prepare(original));
    const fixed = { ...original, headlines: [{ value: 'Foreign ministers speak by phone' }] };
    const { version: v2 } = await service.correct(A, v1.itemId, 1, prepare(fixed));
    const { outcome, version: v3 } = await service.retract(A, v1.itemId, 2);

    expect(outcome).toBe('retracted');
    expect(v3).toMatchObject({
      version: 3,
      pubstatus: 'canceled',
      document: { ...fixed, pubstatus: 'canceled' },
    });
    expect(await reads.get(A, v1.itemId)).toEqual(v3);
    expect(await reads.getVersion(A, v1.itemId, 1)).toEqual({ version: v1, latest: false });
    expect(await reads.getVersion(A, v1.itemId, 2)).toEqual({ version: v2, latest: false });
    expect(await reads.listVersions(A, v1.itemId)).toEqual({
      versions: [
        { version: 1, pubstatus: 'usable', receivedAt: v1.receivedAt, publicBefore: false },
        { version: 2, pubstatus: 'usable', receivedAt: v2.receivedAt, publicBefore: true },
        { version: 3, pubstatus: 'canceled', receivedAt: v3.receivedAt, publicBefore: true },
      ],
      latestVersion: 3,
    });
    const page = await reads.listVersions(A, v1.itemId, { limit: '2' });
    expect(page.versions.map((v) => v.version)).toEqual([1, 2]);
    const rest = await reads.listVersions(A, v1.itemId, { limit: '2', cursor: page.cursor! });
    expect(rest).toMatchObject({ versions: [{ version: 3 }], latestVersion: 3 });
    expect(rest.cursor).toBeUndefined();
    await expect(reads.getVersion(A, v1.itemId, 4)).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.retract(A, v1.itemId, 2)).resolves.toEqual({ outcome: 'unchanged', version: v3 });
    await expect(service.correct(A, v1.itemId, 3, prepare(original))).rejects.toBeInstanceOf(ConflictError);
    expect(await versionRowCount(v1.itemId)).toBe(3);
  });

  it('answers different content under an existing uri with 409 and the existing item', async () => {
    const first = article();
    const { version } = await service.submit(A, prepare(first));

    const error = await service.submit(A, prepare({ ...first, title: 'other' })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ItemExistsError);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ItemExistsError).itemId).toBe(version.itemId);
    expect((error as ConflictError).extensions).toEqual({ itemId: version.itemId, version: 1 });
    expect(await versionRowCount(version.itemId)).toBe(1);
  });

  it("hides one partner's item from another (404 on every operation) and leaves it untouched", async () => {
    const { version } = await service.submit(A, prepare(article()));
    const id = version.itemId;

    await expect(reads.get(B, id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(reads.getVersion(B, id, 1)).rejects.toBeInstanceOf(NotFoundError);
    await expect(reads.listVersions(B, id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(reads.translation(B, id, 'en')).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      service.correct(B, id, 1, prepare({ ...version.document, title: 'x' })),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.retract(B, id, 1)).rejects.toBeInstanceOf(NotFoundError);

    expect(await reads.get(A, id)).toEqual(version);
    expect(await versionRowCount(id)).toBe(1);
  });
});
