/** The per-subscription send pacer on DynamoDB Local: atomic reservations shared by concurrent dispatchers. */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoSendPacer } from '#shared/adapters/dynamodb/send-pacer.ts';
import { subscriptionKey } from '#shared/adapters/dynamodb/table-design.ts';
import { newId } from '#shared/domain/ids.ts';
import type { SendRate } from '#shared/domain/webhooks/send-rate.ts';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createWebhooksTable } from '../support/tables';

const client = localDynamoClient();
let table: string;
let pacer: DynamoSendPacer;
const NOW = Date.UTC(2026, 11, 5, 12);
const RATE: SendRate = { perSecond: 10, burst: 20 };

beforeAll(async () => {
  table = await createWebhooksTable(client, uniqueTableName('pacer'));
  pacer = new DynamoSendPacer(client, table);
});

async function subscription(): Promise<string> {
  const id = newId('sub');
  await client.send(
    new PutItemCommand({ TableName: table, Item: marshall({ ...subscriptionKey(id), subscriptionId: id }) }),
  );
  return id;
}

describe('DynamoSendPacer', () => {
  it('gives 60 concurrent reservations distinct slots: the burst at once, then one every 100 ms', async () => {
    const id = await subscription();
    const slots = await Promise.all(Array.from({ length: 60 }, () => pacer.reserve(id, RATE, NOW)));
    const offsets = slots.map((slot) => slot - NOW).sort((a, b) => a - b);
    const expected = [...Array(20).fill(0), ...Array.from({ length: 40 }, (_, i) => (i + 1) * 100)];
    expect(offsets.map(Math.round)).toEqual(expected);
  });

  it('starts afresh after an idle spell, and a pause holds every slot until it ends', async () => {
    const id = await subscription();
    expect(await pacer.reserve(id, RATE, NOW)).toBe(NOW);
    // Long after: the burst allowance is back.
    const later = NOW + 60_000;
    for (let i = 0; i < 20; i++) expect(await pacer.reserve(id, RATE, later)).toBe(later);
    await pacer.pause(id, RATE, later + 30_000);
    // A shorter pause never shortens a longer one.
    await pacer.pause(id, RATE, later + 1_000);
    expect(await pacer.reserve(id, RATE, later + 5_000)).toBe(later + 30_000);
    expect(await pacer.reserve(id, RATE, later + 5_000)).toBe(later + 30_100);
  });

  it('never creates a row for a subscription that is gone', async () => {
    const gone = newId('sub');
    expect(await pacer.reserve(gone, RATE, NOW)).toBe(NOW);
    await pacer.pause(gone, RATE, NOW + 10_000);
    const { Item } = await client.send(
      new GetItemCommand({ TableName: table, Key: marshall(subscriptionKey(gone)) }),
    );
    expect(Item).toBeUndefined();
  });
});
