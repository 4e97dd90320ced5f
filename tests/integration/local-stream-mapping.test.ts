import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  dynamoDbStreamSource,
  type FailureRecord,
  type Invoke,
  type StreamMapping,
  type StreamMappingProperties,
  type StreamSource,
  startStreamMapping,
} from '#local/dynamodb/stream-mapping/index.ts';
import {
  ensureTable,
  SUPPORTED_TABLE_PROPERTIES,
  type TableProperties,
  TableSchemaMismatchError,
  unsupportedTableProperties,
} from '#local/dynamodb/tables.ts';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';

const client = localDynamoClient();
const streams = new DynamoDBStreamsClient({
  endpoint: inject('dynamodbEndpoint'),
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:publisher';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:publisher-dlq';
const STREAM_ARN_PREFIX = 'arn:aws:dynamodb:us-east-1:000000000000:table/scripted/stream';

/** The items table as CloudFormation declares it (resolved properties). */
function itemsTableProps(tableName: string): TableProperties {
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

let stateRoot: string;
beforeAll(async () => {
  stateRoot = await mkdtemp(join(tmpdir(), 'diplowire-esm-'));
});
afterAll(async () => {
  await rm(stateRoot, { recursive: true, force: true });
});

const running: StreamMapping[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((m) => m.stop()));
});

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function putVersion(
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

async function putHead(table: string, itemId: string) {
  await client.send(
    new PutItemCommand({ TableName: table, Item: { PK: { S: `ITEM#${itemId}` }, SK: { S: 'HEAD' } } }),
  );
}

const sk = (record: DynamoDBRecord) => record.dynamodb?.Keys?.SK?.S;
const seq = (record: DynamoDBRecord) => record.dynamodb!.SequenceNumber!;

interface Recorder {
  invoke: Invoke;
  batches: DynamoDBRecord[][];
}

/** A fake function that records every batch it is invoked with; `respond` decides the outcome. */
function recorder(respond: (records: DynamoDBRecord[], call: number) => unknown = () => undefined): Recorder {
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

async function newStreamTable(prefix: string): Promise<{ table: string; streamArn: string }> {
  const table = uniqueTableName(prefix);
  const ensured = await ensureTable(client, itemsTableProps(table));
  return { table, streamArn: ensured.streamArn! };
}

async function start(
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

describe('DynamoDB stream event source mapping', () => {
  it('delivers inserted records in order, in batches of BatchSize, in the Lambda record shape', async () => {
    const { table, streamArn } = await newStreamTable('esm-order');
    for (let v = 1; v <= 7; v++) await putVersion(table, 'a', v);
    const fn = recorder();
    const logs: string[] = [];
    await start('order', streamArn, fn, { BatchSize: 3 }, { logs });
    await waitFor(() => fn.batches.flat().length >= 7);
    expect(fn.batches.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(fn.batches.flat().map(sk)).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((v) => `V#${String(v).padStart(9, '0')}`),
    );
    const first = fn.batches[0]![0]!;
    expect(first).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      eventSourceARN: streamArn,
    });
    expect(typeof first.dynamodb?.ApproximateCreationDateTime).toBe('number');
    // One log line per batch, written once its checkpoint is saved.
    await waitFor(() => logs.filter((line) => line.includes(' ok ')).length >= 3);
    expect(logs.filter((line) => line.includes(' ok ')).map((line) => /batch=(\d+)/.exec(line)?.[1])).toEqual(
      ['3', '3', '1'],
    );
  });

  it('drops records that match no filter and checkpoints past them', async () => {
    const { table, streamArn } = await newStreamTable('esm-filter');
    await putHead(table, 'a');
    await putVersion(table, 'a', 1);
    await putVersion(table, 'b', 1);
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { PK: { S: 'ITEM#a' }, SK: { S: 'V#000000001' } },
        UpdateExpression: 'SET touched = :t',
        ExpressionAttributeValues: { ':t': { S: 'yes' } },
      }),
    );
    await putHead(table, 'c');
    const fn = recorder();
    const pattern = JSON.stringify({
      eventName: ['INSERT'],
      dynamodb: { Keys: { SK: { S: [{ prefix: 'V#' }] } } },
    });
    const mapping = await start('filter', streamArn, fn, {
      FilterCriteria: { Filters: [{ Pattern: pattern }] },
    });
    await waitFor(() => fn.batches.flat().length >= 2);
    // The trailing HEAD insert matched nothing; the checkpoint still moves past it.
    await waitFor(() => Object.values(mapping.checkpoints()).length > 0 && fn.batches.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const delivered = fn.batches.flat();
    expect(delivered.map((r) => `${r.eventName} ${r.dynamodb?.Keys?.PK?.S} ${sk(r)}`)).toEqual([
      'INSERT ITEM#a V#000000001',
      'INSERT ITEM#b V#000000001',
    ]);
    const [checkpoint] = Object.values(mapping.checkpoints());
    expect(BigInt(checkpoint!)).toBeGreaterThan(BigInt(seq(delivered[1]!)));
  });

  it('with ReportBatchItemFailures, re-delivers from the lowest failed record on', async () => {
    const { table, streamArn } = await newStreamTable('esm-partial');
    for (let v = 1; v <= 5; v++) await putVersion(table, 'a', v);
    const fn = recorder((records, call) =>
      call === 1
        ? { batchItemFailures: [{ itemIdentifier: seq(records[3]!) }, { itemIdentifier: seq(records[2]!) }] }
        : {},
    );
    const mapping = await start('partial', streamArn, fn, {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    await waitFor(() => fn.batches.length >= 2);
    expect(fn.batches[0]!.map(sk)).toEqual([
      'V#000000001',
      'V#000000002',
      'V#000000003',
      'V#000000004',
      'V#000000005',
    ]);
    expect(fn.batches[1]!.map(sk)).toEqual(['V#000000003', 'V#000000004', 'V#000000005']);
    await waitFor(() => Object.values(mapping.checkpoints())[0] === seq(fn.batches[0]![4]!));
    expect(fn.batches).toHaveLength(2);
  });

  it('treats an unknown itemIdentifier as a whole-batch failure', async () => {
    const { table, streamArn } = await newStreamTable('esm-invalid-id');
    for (let v = 1; v <= 3; v++) await putVersion(table, 'a', v);
    const fn = recorder((_records, call) =>
      call === 1 ? { batchItemFailures: [{ itemIdentifier: 'nope' }] } : null,
    );
    await start('invalid-id', streamArn, fn, { FunctionResponseTypes: ['ReportBatchItemFailures'] });
    await waitFor(() => fn.batches.length >= 2);
    expect(fn.batches[1]!.map(sk)).toEqual(fn.batches[0]!.map(sk));
    expect(fn.batches[1]).toHaveLength(3);
  });

  it('bisects on error to isolate a poison record, then sends it to the on-failure destination', async () => {
    const { table, streamArn } = await newStreamTable('esm-bisect');
    for (let v = 1; v <= 4; v++) await putVersion(table, 'a', v, v === 3 ? { poison: 'yes' } : {});
    const succeeded: string[] = [];
    const fn = recorder((records) => {
      if (records.some((r) => r.dynamodb?.NewImage?.poison)) throw new Error('poison');
      succeeded.push(...records.map((r) => sk(r)!));
    });
    const sent: Array<{ arn: string; body: string }> = [];
    await start(
      'bisect',
      streamArn,
      fn,
      {
        BatchSize: 4,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: DLQ_ARN } },
      },
      { sent },
    );
    await waitFor(() => succeeded.length >= 3 && sent.length >= 1);
    expect(succeeded).toEqual(['V#000000001', 'V#000000002', 'V#000000004']);
    // [1..4] fails -> [1,2] ok, [3,4] fails -> [3] fails 1 + 2 retries -> destination, [4] ok.
    expect(fn.batches.map((b) => b.map(sk).join(','))).toEqual([
      'V#000000001,V#000000002,V#000000003,V#000000004',
      'V#000000001,V#000000002',
      'V#000000003,V#000000004',
      'V#000000003',
      'V#000000003',
      'V#000000003',
      'V#000000004',
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.arn).toBe(DLQ_ARN);
    const poison = fn.batches[3]![0]!;
    const body = JSON.parse(sent[0]!.body) as FailureRecord;
    expect(body).toMatchObject({
      requestContext: {
        functionArn: FUNCTION_ARN,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      DDBStreamBatchInfo: {
        startSequenceNumber: seq(poison),
        endSequenceNumber: seq(poison),
        batchSize: 1,
        streamArn,
      },
    });
    expect(body.DDBStreamBatchInfo.shardId).toMatch(/^shardId-/);
    expect(body.DDBStreamBatchInfo.approximateArrivalOfFirstRecord).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false);
    expect(typeof body.requestContext.requestId).toBe('string');
  });

  it('sends records older than MaximumRecordAgeInSeconds to the destination without invoking', async () => {
    // DynamoDB Local stamps records to the minute, so an hour-old record comes from a scripted source.
    const streamArn = 'arn:aws:dynamodb:ddblocal:000000000000:table/aged/stream/2026-01-01T00:00:00.000';
    const nowSeconds = Math.floor(Date.now() / 1000);
    const record = (n: number, createdSeconds: number): DynamoDBRecord => ({
      eventID: String(n),
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      eventSourceARN: streamArn,
      dynamodb: {
        ApproximateCreationDateTime: createdSeconds,
        Keys: { PK: { S: `ITEM#${n}` }, SK: { S: 'V#000000001' } },
        SequenceNumber: String(100 + n),
      },
    });
    let served = false;
    const fn = recorder();
    const sent: Array<{ arn: string; body: string }> = [];
    const mapping = await startStreamMapping({
      id: 'age',
      properties: {
        EventSourceArn: streamArn,
        StartingPosition: 'TRIM_HORIZON',
        MaximumRecordAgeInSeconds: 60,
        DestinationConfig: { OnFailure: { Destination: DLQ_ARN } },
      },
      functionArn: FUNCTION_ARN,
      invoke: fn.invoke,
      createSource: () => ({
        read: async () => {
          if (served) return [];
          served = true;
          const shardId = 'shardId-00000001-aged';
          return [
            {
              shardId,
              records: [record(1, nowSeconds - 3600), record(2, nowSeconds - 3500), record(3, nowSeconds)],
            },
          ];
        },
      }),
      sendToQueue: async (arn, body) => {
        sent.push({ arn, body });
      },
      stateDir: join(stateRoot, 'age'),
      log: () => {},
      pollIntervalMs: 50,
    });
    running.push(mapping);
    await waitFor(() => fn.batches.length >= 1);
    expect(sent).toHaveLength(1);
    const body = JSON.parse(sent[0]!.body) as FailureRecord;
    expect(body.requestContext).toMatchObject({ condition: 'RecordAgeExceeded', approximateInvokeCount: 0 });
    expect(body).not.toHaveProperty('responseContext');
    expect(body.DDBStreamBatchInfo).toMatchObject({
      startSequenceNumber: '101',
      endSequenceNumber: '102',
      batchSize: 2,
    });
    expect(fn.batches.flat().map((r) => r.dynamodb?.SequenceNumber)).toEqual(['103']);
  });

  it('resumes from the persisted checkpoint after a restart, delivering only unprocessed records', async () => {
    const { table, streamArn } = await newStreamTable('esm-restart');
    const stateDir = join(stateRoot, 'restart');
    for (let v = 1; v <= 3; v++) await putVersion(table, 'a', v);
    const before = recorder();
    const first = await start('restart', streamArn, before, {}, { stateDir });
    await waitFor(() => before.batches.flat().length >= 3);
    await first.stop();
    for (let v = 4; v <= 5; v++) await putVersion(table, 'a', v);
    const after = recorder();
    await start('restart', streamArn, after, {}, { stateDir });
    await waitFor(() => after.batches.flat().length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(before.batches.flat().map(sk)).toEqual(['V#000000001', 'V#000000002', 'V#000000003']);
    expect(after.batches.flat().map(sk)).toEqual(['V#000000004', 'V#000000005']);
  });

  it('with StartingPosition LATEST, skips what the stream held before the mapping started', async () => {
    const { table, streamArn } = await newStreamTable('esm-latest');
    await putVersion(table, 'old', 1);
    const fn = recorder();
    await start('latest', streamArn, fn, { StartingPosition: 'LATEST' });
    await putVersion(table, 'new', 1);
    await waitFor(() => fn.batches.flat().length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fn.batches.flat().map((r) => r.dynamodb?.Keys?.PK?.S)).toEqual(['ITEM#new']);
  });
});

/** A stream the test writes to by hand: one shard, records handed out up to `max` per read. */
function scriptedStream(shardId = 'shardId-00000001-scripted') {
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

async function startScripted(
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

const ok = { ok: true as const, value: undefined, durationMs: 1, coldStart: false };

describe('stream mapping scheduling (as Lambda runs it)', () => {
  it('reads at most a batch per shard and keeps reading while a batch runs', async () => {
    const stream = scriptedStream();
    stream.write(...Array.from({ length: 10 }, (_, i) => `ITEM#${i}`));
    let finishFirst: () => void = () => {};
    const batches: DynamoDBRecord[][] = [];
    const mapping = await startScripted(
      'overlap',
      stream,
      async (event) => {
        const records = (event as { Records: DynamoDBRecord[] }).Records;
        batches.push(records);
        if (batches.length === 1) await new Promise<void>((resolve) => (finishFirst = resolve));
        return ok;
      },
      { BatchSize: 4 },
    );
    await waitFor(() => batches.length === 1);
    // While the first batch runs, the poller reads on (up to a batch each time) and holds the rest.
    await waitFor(() => stream.reads.filter((r) => r.max !== undefined).length >= 3);
    expect(stream.reads.every((r) => r.max === undefined || r.max === 4)).toBe(true);
    expect(batches).toHaveLength(1);
    finishFirst();
    await waitFor(() => batches.flat().length === 10);
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(batches.flat().map((r) => r.dynamodb?.SequenceNumber)).toEqual(
      Array.from({ length: 10 }, (_, i) => String(1001 + i)),
    );
    await waitFor(() => Object.values(mapping.checkpoints())[0] === '1010');
  });

  it('counts the batching window from the first record it holds', async () => {
    const stream = scriptedStream();
    const invokedAt: number[] = [];
    const batches: DynamoDBRecord[][] = [];
    await startScripted(
      'window',
      stream,
      async (event) => {
        invokedAt.push(Date.now());
        batches.push((event as { Records: DynamoDBRecord[] }).Records);
        return ok;
      },
      { BatchSize: 100, MaximumBatchingWindowInSeconds: 3 },
    );
    stream.write('ITEM#first');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const secondAt = Date.now();
    stream.write('ITEM#second');
    await waitFor(() => batches.length === 1, 20_000);
    expect(batches[0]!.map((r) => r.dynamodb?.Keys?.PK?.S)).toEqual(['ITEM#first', 'ITEM#second']);
    // A window restarted by the second record would end 3 s after it; the first record's ends 1.5 s after.
    expect(invokedAt[0]! - secondAt).toBeLessThan(2_600);
  });

  it('does not restart the window for records left over after a full batch', async () => {
    const stream = scriptedStream();
    const invokedAt: number[] = [];
    const done: number[] = [];
    const batches: DynamoDBRecord[][] = [];
    await startScripted(
      'leftover',
      stream,
      async (event) => {
        invokedAt.push(Date.now());
        batches.push((event as { Records: DynamoDBRecord[] }).Records);
        if (batches.length === 1) await new Promise((resolve) => setTimeout(resolve, 1_500));
        done.push(Date.now());
        return ok;
      },
      { BatchSize: 2, MaximumBatchingWindowInSeconds: 3 },
    );
    stream.write('ITEM#1', 'ITEM#2', 'ITEM#3');
    await waitFor(() => batches.length === 2, 20_000);
    expect(batches.map((b) => b.length)).toEqual([2, 1]);
    // The leftover's window started when it was read (with the full batch), not when that batch ended.
    expect(invokedAt[1]! - done[0]!).toBeLessThan(2_600);
  });

  it('runs ParallelizationFactor batches of a shard at once, each item always in order and in one batch at a time', async () => {
    const stream = scriptedStream();
    const keys = ['ITEM#a', 'ITEM#b', 'ITEM#c', 'ITEM#d', 'ITEM#e', 'ITEM#f'];
    // Three records per item, interleaved.
    stream.write(...keys, ...keys, ...keys);
    let inFlight = 0;
    let maxInFlight = 0;
    const runningKeys = new Set<string>();
    const overlaps: string[] = [];
    const delivered = new Map<string, string[]>();
    const mapping = await startScripted(
      'parallel',
      stream,
      async (event) => {
        const records = (event as { Records: DynamoDBRecord[] }).Records;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const batchKeys = new Set(records.map((r) => r.dynamodb!.Keys!.PK!.S!));
        for (const key of batchKeys) if (runningKeys.has(key)) overlaps.push(key);
        for (const key of batchKeys) runningKeys.add(key);
        for (const r of records) {
          const key = r.dynamodb!.Keys!.PK!.S!;
          delivered.set(key, [...(delivered.get(key) ?? []), r.dynamodb!.SequenceNumber!]);
        }
        await new Promise((resolve) => setTimeout(resolve, 150));
        for (const key of batchKeys) runningKeys.delete(key);
        inFlight--;
        return ok;
      },
      { BatchSize: 2, ParallelizationFactor: 3 },
    );
    await waitFor(() => [...delivered.values()].flat().length === 18, 20_000);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(overlaps).toEqual([]);
    for (const sequences of delivered.values()) {
      expect(sequences).toEqual([...sequences].sort());
      expect(sequences).toHaveLength(3);
    }
    await waitFor(() => Object.values(mapping.checkpoints())[0] === '1018');
  });
});
