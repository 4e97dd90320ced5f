import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';

import { ok, scriptedStream, startScripted, waitFor } from '../support/stream-mappings';

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
