/**
 * The stream mapping integration tests' shared set-up: the items table as CloudFormation declares it,
 * mappings started on DynamoDB Local's real stream or on a scripted one, and fake functions that record
 * each batch. Mappings started here are stopped after each test. Importing it registers the hooks in
 * the importing file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import {
  dynamoDbStreamSource,
  type Invoke,
  type StreamMapping,
  type StreamMappingProperties,
  type StreamSource,
  startStreamMapping,
} from '#local/dynamodb/stream-mapping/index.ts';
import { ensureTable, type TableProperties } from '#local/dynamodb/tables.ts';
import { localDynamoClient, uniqueTableName } from './dynamodb';

export const client = localDynamoClient();
export const streams = new DynamoDBStreamsClient({
  endpoint: inject('dynamodbEndpoint'),
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
export const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:publisher';
export const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:publisher-dlq';
export const STREAM_ARN_PREFIX = 'arn:aws:dynamodb:us-east-1:000000000000:table/scripted/stream';

/** The items table as CloudFormation declares it (resolved properties). */
export function itemsTableProps(tableName: string): TableProperties {
  return {
    TableName: tableName,
    KeySchema: [
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'PK', AttributeType: 'S' },
      { AttributeName: 'SK', AttributeType: 'S' },
      { AttributeName: 'GSI1PK', AttributeType: 'S' },
      { AttributeName: 'GSI1SK', AttributeType: 'S' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes: [
      {
        IndexName: 'GSI1',
        KeySchema: [
          { AttributeName: 'GSI1PK', KeyType: 'HASH' },
          { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { SSEEnabled: true },
    Tags: [{ Key: 'app', Value: 'diplowire' }],
  };
}

export let stateRoot: string;
beforeAll(async () => {
  stateRoot = await mkdtemp(join(tmpdir(), 'diplowire-esm-'));
});
afterAll(async () => {
  await rm(stateRoot, { recursive: true, force: true });
});

export const running: StreamMapping[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((m) => m.stop()));
});

export async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function putVersion(
  table: string,
  itemId: string,
  version: number,
  extra: Record<string, string> = {},
) {
  await client.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        PK: { S: `ITEM#${itemId}` },
        SK: { S: `V#${String(version).padStart(9, '0')}` },
        ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, { S: v }])),
      },
    }),
  );
}

export async function putHead(table: string, itemId: string) {
  await client.send(
    new PutItemCommand({ TableName: table, Item: { PK: { S: `ITEM#${itemId}` }, SK: { S: 'HEAD' } } }),
  );
}

export const sk = (record: DynamoDBRecord) => record.dynamodb?.Keys?.SK?.S;
export const seq = (record: DynamoDBRecord) => record.dynamodb!.SequenceNumber!;

export interface Recorder {
  invoke: Invoke;
  batches: DynamoDBRecord[][];
}

/** A fake function that records every batch it is invoked with; `respond` decides the outcome. */
export function recorder(
  respond: (records: DynamoDBRecord[], call: number) => unknown = () => undefined,
): Recorder {
  const batches: DynamoDBRecord[][] = [];
  return {
    batches,
    invoke: async (event) => {
      const records = (event as { Records: DynamoDBRecord[] }).Records;
      batches.push(records);
      try {
        const value = respond(records, batches.length);
        return { ok: true, value, durationMs: 1, coldStart: false };
      } catch (error) {
        return {
          ok: false,
          errorType: 'Error',
          errorMessage: (error as Error).message,
          durationMs: 1,
          coldStart: false,
        };
      }
    },
  };
}

export async function newStreamTable(prefix: string): Promise<{ table: string; streamArn: string }> {
  const table = uniqueTableName(prefix);
  const ensured = await ensureTable(client, itemsTableProps(table));
  return { table, streamArn: ensured.streamArn! };
}

export async function start(
  id: string,
  streamArn: string,
  fn: Recorder,
  properties: Partial<StreamMappingProperties> = {},
  extra: { sent?: Array<{ arn: string; body: string }>; logs?: string[]; stateDir?: string } = {},
): Promise<StreamMapping> {
  const mapping = await startStreamMapping({
    id,
    properties: { EventSourceArn: streamArn, StartingPosition: 'TRIM_HORIZON', ...properties },
    functionArn: FUNCTION_ARN,
    invoke: fn.invoke,
    createSource: dynamoDbStreamSource(streams),
    sendToQueue: async (arn, body) => {
      extra.sent?.push({ arn, body });
    },
    stateDir: extra.stateDir ?? join(stateRoot, id),
    log: (line) => extra.logs?.push(line),
    pollIntervalMs: 100,
    retryDelayMs: 10,
  });
  running.push(mapping);
  return mapping;
}

export function scriptedStream(shardId = 'shardId-00000001-scripted') {
  const backlog: DynamoDBRecord[] = [];
  const reads: Array<{ max: number | undefined; at: number }> = [];
  let next = 1;
  return {
    reads,
    /** Appends records for `keys` (one each), in order; returns them. */
    write(...keys: string[]): DynamoDBRecord[] {
      const records = keys.map((key) => ({
        eventName: 'INSERT' as const,
        eventSource: 'aws:dynamodb',
        dynamodb: {
          ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
          Keys: { PK: { S: key }, SK: { S: 'V#000000001' } },
          SequenceNumber: String(1000 + next++),
        },
      }));
      backlog.push(...records);
      return records;
    },
    source: (): StreamSource => ({
      read: async (max) => {
        reads.push({ max, at: Date.now() });
        if (backlog.length === 0) return [];
        return [{ shardId, records: backlog.splice(0, max ?? backlog.length) }];
      },
    }),
  };
}

export async function startScripted(
  id: string,
  stream: ReturnType<typeof scriptedStream>,
  invoke: Invoke,
  properties: Partial<StreamMappingProperties> = {},
): Promise<StreamMapping> {
  const mapping = await startStreamMapping({
    id,
    properties: {
      EventSourceArn: `${STREAM_ARN_PREFIX}/${id}`,
      StartingPosition: 'TRIM_HORIZON',
      ...properties,
    },
    functionArn: FUNCTION_ARN,
    invoke,
    createSource: stream.source,
    stateDir: join(stateRoot, id),
    log: () => {},
    pollIntervalMs: 50,
    retryDelayMs: 10,
  });
  running.push(mapping);
  return mapping;
}

export const ok = { ok: true as const, value: undefined, durationMs: 1, coldStart: false };
