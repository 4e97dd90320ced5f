import { join } from 'node:path';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type FailureRecord, startStreamMapping } from '#local/dynamodb/stream-mapping/index.ts';

import {
  client,
  DLQ_ARN,
  FUNCTION_ARN,
  newStreamTable,
  putHead,
  putVersion,
  recorder,
  running,
  seq,
  sk,
  start,
  stateRoot,
  waitFor,
} from '../support/stream-mappings';

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
