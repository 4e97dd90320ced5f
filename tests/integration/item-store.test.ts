import { randomUUID } from 'node:crypto';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { MalformedRecordError } from '../../shared/adapters/dynamodb/item-records';
import { DynamoItemStore } from '../../shared/adapters/dynamodb/item-store';
import {
  GSI1,
  itemHeadKey,
  partnerItemsGsi1Pk,
  uriClaimKey,
  versionKey,
} from '../../shared/adapters/dynamodb/table-design';
import { StoreContentionError } from '../../shared/adapters/dynamodb/transactions';
import { newId } from '../../shared/domain/ids';
import type { ItemVersion } from '../../shared/domain/item';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createItemsTable } from '../support/tables';

let client: DynamoDBDocumentClient;
let tableName: string;
let store: DynamoItemStore;

beforeAll(async () => {
  const raw = localDynamoClient();
  tableName = await createItemsTable(raw, uniqueTableName('items'));
  client = DynamoDBDocumentClient.from(raw);
  store = new DynamoItemStore(client, tableName);
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

describe('DynamoItemStore.createItem', () => {
  it('writes the uri claim, the head and version 1, readable back unchanged', async () => {
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
    const claim = await client.send(
      new GetCommand({ TableName: tableName, Key: uriClaimKey('ptn_A', first.uri) }),
    );
    expect(claim.Item?.itemId).toBe(first.itemId);
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

  it('returns the existing head, and writes nothing, when the uri is already claimed', async () => {
    const first = version();
    await store.createItem(first);
    const second = version({ uri: first.uri, contentHash: 'c'.repeat(64) });

    const result = await store.createItem(second);

    expect(result).toEqual({ created: false, existing: expect.objectContaining({ itemId: first.itemId }) });
    expect(await store.getHead(second.itemId)).toBeUndefined();
    expect(await store.getVersion(second.itemId, 1)).toBeUndefined();
  });

  it('scopes the uri claim to the partner', async () => {
    const first = version();
    await store.createItem(first);
    const other = version({ uri: first.uri, partnerId: 'ptn_B' });
    await expect(store.createItem(other)).resolves.toEqual({ created: true });
  });

  it('leaves exactly one item when 20 identical creates race', async () => {
    const uri = `urn:test:${randomUUID()}`;
    const attempts = Array.from({ length: 20 }, () => version({ uri }));

    const results = await Promise.all(attempts.map((attempt) => store.createItem(attempt)));

    const createdIndexes = results.flatMap((result, index) => (result.created ? [index] : []));
    expect(createdIndexes).toHaveLength(1);
    const winner = attempts[createdIndexes[0]!]!;
    for (const result of results) {
      if (!result.created) expect(result.existing.itemId).toBe(winner.itemId);
    }
    for (const [index, attempt] of attempts.entries()) {
      if (index !== createdIndexes[0]) expect(await store.getHead(attempt.itemId)).toBeUndefined();
    }
  });
});

describe('DynamoItemStore.appendVersion', () => {
  it('appends the next version and moves the head (and its GSI1 sort key) along', async () => {
    const first = version();
    await store.createItem(first);
    const second = nextOf(first, { language: 'fr', pubstatus: 'withheld' });

    await expect(store.appendVersion(second)).resolves.toBe(true);

    expect(await store.getVersion(first.itemId, 2)).toEqual(second);
    expect(await store.getHead(first.itemId)).toMatchObject({
      version: 2,
      language: 'fr',
      pubstatus: 'withheld',
      contentHash: second.contentHash,
      createdAt: first.receivedAt,
      updatedAt: second.receivedAt,
    });
    const head = await client.send(new GetCommand({ TableName: tableName, Key: itemHeadKey(first.itemId) }));
    expect(head.Item?.GSI1SK).toBe(`${second.receivedAt}#${first.itemId}`);
  });

  it('returns false, writing nothing, when the head is not at the previous version', async () => {
    const first = version();
    await store.createItem(first);
    const second = nextOf(first);
    await store.appendVersion(second);

    const staleSecond = nextOf(first, { contentHash: 'd'.repeat(64) });
    await expect(store.appendVersion(staleSecond)).resolves.toBe(false);
    const skipping = nextOf(nextOf(second));
    await expect(store.appendVersion(skipping)).resolves.toBe(false);

    expect(await store.getVersion(first.itemId, 2)).toEqual(second);
    expect(await store.getVersion(first.itemId, 4)).toBeUndefined();
    expect((await store.getHead(first.itemId))?.version).toBe(2);
  });

  it('returns false for an item that does not exist', async () => {
    await expect(store.appendVersion(nextOf(version()))).resolves.toBe(false);
  });

  it('lets exactly one of 10 racing appends on the same version win', async () => {
    const first = version();
    await store.createItem(first);
    const contenders = Array.from({ length: 10 }, (_, i) =>
      nextOf(first, { contentHash: `${i}`.padStart(64, 'e') }),
    );

    const results = await Promise.all(contenders.map((next) => store.appendVersion(next)));

    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = contenders[results.indexOf(true)]!;
    expect(await store.getVersion(first.itemId, 2)).toEqual(winner);
    expect(await store.getHead(first.itemId)).toMatchObject({ version: 2, contentHash: winner.contentHash });
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
      expect(await store.appendVersion(next)).toBe(true);
      previous = next;
    }

    const summaries = await store.listVersions(first.itemId);

    expect(summaries.map((s) => s.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(summaries[0]).toEqual({ version: 1, pubstatus: 'usable', receivedAt: first.receivedAt });
    expect(summaries[11]).toEqual({ version: 12, pubstatus: 'canceled', receivedAt: previous.receivedAt });
  });

  it('answers undefined or empty for unknown items and versions', async () => {
    expect(await store.getHead('itm_unknown')).toBeUndefined();
    expect(await store.getVersion('itm_unknown', 1)).toBeUndefined();
    expect(await store.getVersion('itm_unknown', 0)).toBeUndefined();
    expect(await store.listVersions('itm_unknown')).toEqual([]);
  });

  it('indexes heads only in GSI1, by partner and time', async () => {
    const partnerId = `ptn_${randomUUID()}`;
    const older = version({ partnerId, receivedAt: '2025-01-01T00:00:00.000Z' });
    const newer = version({ partnerId, receivedAt: '2025-02-01T00:00:00.000Z' });
    await store.createItem(newer);
    await store.createItem(older);
    await store.appendVersion(nextOf(older, { receivedAt: '2025-03-01T00:00:00.000Z' }));

    const { Items } = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: GSI1,
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': partnerItemsGsi1Pk(partnerId) },
      }),
    );

    expect(Items?.map((item) => [item.SK, item.itemId])).toEqual([
      ['HEAD', newer.itemId],
      ['HEAD', older.itemId],
    ]);
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
  });
});

// DynamoDB Local serialises transactions, so it never reports TransactionConflict; these
// faults of the real service are simulated on a mocked client instance.
describe('DynamoItemStore under transaction conflicts (mocked faults)', () => {
  const fastRetries = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

  function canceled(...codes: string[]): TransactionCanceledException {
    return new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: codes.map((Code) => ({ Code })),
    });
  }

  function mockedStore() {
    const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    const mock = mockClient(documentClient);
    return { mock, store: new DynamoItemStore(documentClient, 'items-mocked', fastRetries) };
  }

  it('retries a conflicting create until it commits', async () => {
    const { mock, store: mocked } = mockedStore();
    mock
      .on(TransactWriteCommand)
      .rejectsOnce(canceled('TransactionConflict', 'None', 'None'))
      .rejectsOnce(canceled('None', 'TransactionConflict', 'None'))
      .resolves({});

    await expect(mocked.createItem(version())).resolves.toEqual({ created: true });
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(3);
  });

  it('after the last retry of a create, answers with the item that won the uri', async () => {
    const { mock, store: mocked } = mockedStore();
    const winner = version();
    mock.on(TransactWriteCommand).rejects(canceled('TransactionConflict', 'None', 'None'));
    mock.on(GetCommand, { Key: uriClaimKey(winner.partnerId, winner.uri) }).resolves({
      Item: { itemId: winner.itemId },
    });
    mock.on(GetCommand, { Key: itemHeadKey(winner.itemId) }).resolves({
      Item: {
        itemId: winner.itemId,
        partnerId: winner.partnerId,
        uri: winner.uri,
        version: 1,
        pubstatus: 'usable',
        language: 'en',
        contentHash: winner.contentHash,
        createdAt: winner.receivedAt,
        updatedAt: winner.receivedAt,
      },
    });

    const result = await mocked.createItem(version({ uri: winner.uri }));

    expect(result).toEqual({ created: false, existing: expect.objectContaining({ itemId: winner.itemId }) });
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(fastRetries.maxAttempts);
  });

  it('after the last retry of an append, reports stale if the head moved, else fails loudly', async () => {
    const { mock, store: mocked } = mockedStore();
    const next = nextOf(version());
    mock.on(TransactWriteCommand).rejects(canceled('TransactionConflict', 'None'));
    const headAt = (v: number) => ({
      Item: {
        itemId: next.itemId,
        partnerId: next.partnerId,
        uri: next.uri,
        version: v,
        pubstatus: 'usable',
        language: 'en',
        contentHash: next.contentHash,
        createdAt: next.receivedAt,
        updatedAt: next.receivedAt,
      },
    });

    mock.on(GetCommand).resolves(headAt(2));
    await expect(mocked.appendVersion(next)).resolves.toBe(false);

    mock.on(GetCommand).resolves(headAt(1));
    await expect(mocked.appendVersion(next)).rejects.toBeInstanceOf(StoreContentionError);
  });

  it('does not retry a transaction cancelled for a non-transient reason', async () => {
    const { mock, store: mocked } = mockedStore();
    mock.on(TransactWriteCommand).rejects(canceled('ValidationError', 'None'));

    await expect(mocked.appendVersion(nextOf(version()))).rejects.toBeInstanceOf(
      TransactionCanceledException,
    );
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });
});
