import {
  type AttributeDefinition,
  CreateTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  ITEMS_TABLE,
  PARTNERS_TABLE,
  type TableDesign,
  WEBHOOKS_TABLE,
} from '#shared/adapters/dynamodb/table-design.ts';

/** Creates the items table on DynamoDB Local from the same design the CDK stack deploys. */
export function createItemsTable(client: DynamoDBClient, name: string): Promise<string> {
  return createTable(client, name, ITEMS_TABLE);
}

export function createPartnersTable(client: DynamoDBClient, name: string): Promise<string> {
  return createTable(client, name, PARTNERS_TABLE);
}

/** The webhooks table (subscriptions, match rows, deliveries) on DynamoDB Local. */
export function createWebhooksTable(client: DynamoDBClient, name: string): Promise<string> {
  return createTable(client, name, WEBHOOKS_TABLE);
}

async function createTable(client: DynamoDBClient, name: string, design: TableDesign): Promise<string> {
  const attributes = new Map<string, AttributeDefinition>();
  for (const key of [
    design.partitionKey,
    design.sortKey,
    ...design.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ]) {
    attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  }
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes.values()],
      KeySchema: [
        { AttributeName: design.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: design.sortKey.name, KeyType: 'RANGE' },
      ],
      ...(design.globalSecondaryIndexes.length > 0 && {
        GlobalSecondaryIndexes: design.globalSecondaryIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: index.projectionType },
        })),
      }),
      ...(design.stream && { StreamSpecification: { StreamEnabled: true, StreamViewType: design.stream } }),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: name });
  if (design.timeToLiveAttribute) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { Enabled: true, AttributeName: design.timeToLiveAttribute },
      }),
    );
  }
  return name;
}
