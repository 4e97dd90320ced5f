/**
 * The lease helper (shared/adapters/dynamodb/lease.ts) on DynamoDB Local: a claim is one
 * conditional write, and a refused claim returns the refusing row in the same round trip
 * (ReturnValuesOnConditionCheckFailure: ALL_OLD), so no read follows it.
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { leaseRecordOf, putWithLease, releaseLease, takeLease } from '#shared/adapters/dynamodb/lease.ts';
import type { TableKey } from '#shared/adapters/dynamodb/table-design.ts';
import { decideClaim } from '#shared/domain/lease.ts';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createItemsTable } from '../support/tables';

let client: DynamoDBClient;
let tableName: string;
const NOW = Date.now();

beforeAll(async () => {
  client = localDynamoClient();
  tableName = await createItemsTable(client, uniqueTableName('lease'));
});

/** Counts the requests the SDK sends, to prove a refused claim costs one round trip. */
function countingRequests(): { count: () => number; stop: () => void } {
  let requests = 0;
  const name = `count-${randomUUID()}`;
  client.middlewareStack.add(
    (next) => async (args) => {
      requests++;
      return next(args);
    },
    { step: 'finalizeRequest', name },
  );
  return { count: () => requests, stop: () => client.middlewareStack.remove(name) };
}

const key = (): TableKey => ({ PK: `LEASE#${randomUUID()}`, SK: 'LEASE' });

async function row(k: TableKey): Promise<Record<string, unknown> | undefined> {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: tableName, Key: marshall(k), ConsistentRead: true }),
  );
  return Item && unmarshall(Item);
}

const put = (k: TableKey, token: string, nowMs = NOW, extra: { ttl?: { attribute: string } } = {}) =>
  putWithLease(client, {
    tableName,
    key: k,
    token,
    nowMs,
    leaseMs: 1_000,
    item: { status: 'in-progress', expiresAt: Math.floor(nowMs / 1000) + 3600 },
    ...extra,
  });

describe('putWithLease', () => {
  it('creates the row with the lease (epoch milliseconds) when there is none', async () => {
    const k = key();
    expect(await put(k, 'a')).toEqual({ claimed: true, token: 'a', leaseUntil: NOW + 1_000 });
    expect(await row(k)).toMatchObject({ status: 'in-progress', leaseToken: 'a', leaseUntil: NOW + 1_000 });
  });

  it('refuses a live lease in one round trip and returns the row that refused it', async () => {
    const k = key();
    await put(k, 'a');
    const requests = countingRequests();
    try {
      const refused = await put(k, 'b', NOW + 1_000);
      expect(requests.count()).toBe(1);
      expect(refused).toMatchObject({
        claimed: false,
        current: { leaseToken: 'a', leaseUntil: NOW + 1_000 },
      });
      const current = refused.claimed ? undefined : refused.current;
      const record = leaseRecordOf(current, { done: (r) => r.status === 'done' });
      expect(decideClaim(record, NOW + 1_000)).toEqual({ outcome: 'busy', leaseUntil: NOW + 1_000 });
    } finally {
      requests.stop();
    }
  });

  it('takes a lapsed lease over, after which the old holder can no longer release it', async () => {
    const k = key();
    await put(k, 'a');
    expect(await put(k, 'b', NOW + 1_001)).toMatchObject({ claimed: true, token: 'b' });
    await releaseLease(client, { tableName, key: k, token: 'a', what: 'row' });
    expect(await row(k)).toMatchObject({ leaseToken: 'b' });
    await releaseLease(client, { tableName, key: k, token: 'b', what: 'row' });
    expect(await row(k)).toBeUndefined();
  });

  it('never overwrites a finished row (no lease attributes), unless it is past its TTL', async () => {
    const k = key();
    await put(k, 'a');
    await releaseLease(client, { tableName, key: k, token: 'a', what: 'lease' });
    const refused = await put(k, 'b', NOW + 10 * 60_000);
    expect(refused.claimed).toBe(false);
    // Past its TTL (deletion lags): the same row counts as gone when the store says so.
    const later = NOW + 2 * 3600_000;
    expect(await put(k, 'c', later, { ttl: { attribute: 'expiresAt' } })).toMatchObject({ claimed: true });
  });
});

describe('takeLease', () => {
  it('leases an existing row only while its precondition holds', async () => {
    const k = key();
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: marshall({ ...k, status: 'pending', attempt: 1 }),
      }),
    );
    const precondition = {
      expression: '#status = :pending AND attempt = :attempt',
      names: { '#status': 'status' },
      values: { ':pending': 'pending', ':attempt': 2 },
    };
    const take = (token: string, nowMs: number, attempt: number) =>
      takeLease(client, {
        tableName,
        key: k,
        token,
        nowMs,
        leaseMs: 500,
        precondition: { ...precondition, values: { ...precondition.values, ':attempt': attempt } },
      });
    // A stale attempt: refused, and the row comes back to say why.
    expect(await take('x', NOW, 2)).toEqual({
      claimed: false,
      current: { ...k, status: 'pending', attempt: 1 },
    });
    expect(await take('a', NOW, 1)).toMatchObject({ claimed: true, leaseUntil: NOW + 500 });
    expect(await take('b', NOW + 500, 1)).toMatchObject({ claimed: false, current: { leaseToken: 'a' } });
    expect(await take('b', NOW + 501, 1)).toMatchObject({ claimed: true });
    // Released: the lease attributes go, the row stays.
    await releaseLease(client, { tableName, key: k, token: 'b', what: 'lease' });
    expect(await row(k)).toEqual({ ...k, status: 'pending', attempt: 1 });
  });

  it('refuses a row that does not exist, with nothing to return', async () => {
    expect(await takeLease(client, { tableName, key: key(), token: 't', nowMs: NOW, leaseMs: 1 })).toEqual({
      claimed: false,
      current: undefined,
    });
  });
});
