import { DescribeTableCommand, DescribeTimeToLiveCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  ensureTable,
  SUPPORTED_TABLE_PROPERTIES,
  type TableProperties,
  TableSchemaMismatchError,
  unsupportedTableProperties,
} from '#local/dynamodb/tables.ts';
import { uniqueTableName } from '../support/dynamodb';

import { client, itemsTableProps, putHead } from '../support/stream-mappings';

describe('ensureTable', () => {
  it('creates a table from CloudFormation properties with GSI, stream and TTL, and notes no-op properties', async () => {
    const table = uniqueTableName('ensure');
    const props = itemsTableProps(table);
    const ensured = await ensureTable(client, props);
    expect(ensured.created).toBe(true);
    expect(ensured.tableArn).toContain(`table/${table}`);
    expect(ensured.streamArn).toContain(`table/${table}/stream/`);
    expect(ensured.warnings).toEqual([]);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['GSI1']);
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      AttributeName: 'expiresAt',
      TimeToLiveStatus: 'ENABLED',
    });
    expect(SUPPORTED_TABLE_PROPERTIES).toEqual(
      expect.arrayContaining(['PointInTimeRecoverySpecification', 'Tags']),
    );
    expect(unsupportedTableProperties({ ...props, KinesisStreamSpecification: {} })).toEqual([
      'KinesisStreamSpecification',
    ]);
  });

  it('is idempotent: keeps an existing table and its data', async () => {
    const table = uniqueTableName('ensure-again');
    const first = await ensureTable(client, itemsTableProps(table));
    await putHead(table, 'kept');
    const second = await ensureTable(client, itemsTableProps(table));
    expect(second.created).toBe(false);
    expect(second.streamArn).toBe(first.streamArn);
    const { Item } = await client.send(
      new GetItemCommand({ TableName: table, Key: { PK: { S: 'ITEM#kept' }, SK: { S: 'HEAD' } } }),
    );
    expect(Item).toBeDefined();
  });

  it('fails loudly when the existing key schema differs from the template', async () => {
    const table = uniqueTableName('ensure-mismatch');
    await ensureTable(client, itemsTableProps(table));
    const different: TableProperties = {
      ...itemsTableProps(table),
      KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
      GlobalSecondaryIndexes: [],
    };
    await expect(ensureTable(client, different)).rejects.toThrow(TableSchemaMismatchError);
  });
});
