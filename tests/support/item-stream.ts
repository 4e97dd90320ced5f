/**
 * An items table with its stream on DynamoDB Local, items written through the real store, and the
 * stream read with the local stream reader, as Lambda receives it. `useItemStream` registers the
 * set-up in the calling test file; the bindings below are that file's table, stores and reader.
 */
import { createHash } from 'node:crypto';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, expect, inject } from 'vitest';
import { StreamReader } from '#local/dynamodb/stream-reader.ts';
import { DynamoItemStore } from '#shared/adapters/dynamodb/item-store.ts';
import { DynamoTranslationStore } from '#shared/adapters/dynamodb/translation-store.ts';
import { newId } from '#shared/domain/ids.ts';
import type { ItemVersion, Pubstatus } from '#shared/domain/item.ts';
import { localDynamoClient, uniqueTableName } from './dynamodb';
import { createItemsTable } from './tables';

export let store: DynamoItemStore;
export let translations: DynamoTranslationStore;
export let reader: StreamReader;
export let tableName: string;
export const raw = () => localDynamoClient();

/** Creates the table (named after `prefix`), its stores and a reader of its stream, before all tests. */
export function useItemStream(prefix: string): void {
  beforeAll(async () => {
    const client = raw();
    tableName = await createItemsTable(client, uniqueTableName(prefix));
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
}

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
export async function writeItem(versions: number, retractLast = false): Promise<ItemVersion[]> {
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

export const key = (d: { itemId: string; version: number }) => `${d.itemId}#${d.version}`;
export const versionRecords = (records: DynamoDBRecord[]) =>
  records.filter((r) => r.eventName === 'INSERT' && r.dynamodb?.NewImage?.SK?.S?.startsWith('V#'));
