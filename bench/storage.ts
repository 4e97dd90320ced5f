/**
 * Where the bench's throwaway clouds keep their data, and what the disk would cost them.
 *
 * DynamoDB Local commits every write to SQLite with fsync, one write at a time (concurrent writes
 * queue behind each other). On a disk whose fsync takes milliseconds, that commit alone sets every
 * pipeline latency: 60 releases due at once cannot be written in under a second. It models nothing
 * of AWS, where a write takes a few ms whatever the load. So the bench's clouds (a fresh data dir
 * each, thrown away after) run DynamoDB Local with its tables in memory (`--dynamodb-in-memory`: no
 * SQLite file at all) and keep the rest of their state on tmpfs when the machine has one. The JSON
 * line reports the three commit costs, measured in the same run, so the choice can be judged:
 * - `diskPutItemMs`: a sequential PutItem on DynamoDB Local with its database on the disk;
 * - `tmpfsPutItemMs`: the same on tmpfs;
 * - `memoryPutItemMs`: the same in memory, where the bench's clouds run.
 * `npm start` keeps its data on disk (`.local/`), where it survives reboots.
 * `DIPLOWIRE_BENCH_ON_DISK=1` runs the bench's clouds on the disk instead (tables in files);
 * `DIPLOWIRE_BENCH_TABLES_IN_FILES=1` keeps the tables in files on tmpfs.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { median } from './support';

const TMPFS = '/dev/shm';

export interface StorageFigures {
  /** Where the bench's clouds keep their tables. */
  cloudData: CloudData;
  diskPutItemMs: number;
  tmpfsPutItemMs: number | null;
  memoryPutItemMs: number;
}

export type CloudData = 'memory' | 'tmpfs' | 'disk';

const diskTmp = tmpdir();

/**
 * Sends the bench's throwaway data dirs (os.tmpdir()) to tmpfs and their DynamoDB Local tables to
 * memory (the clouds inherit DIPLOWIRE_DYNAMODB_IN_MEMORY), unless told not to.
 */
export function throwawayClouds(): CloudData {
  if (process.env.DIPLOWIRE_BENCH_ON_DISK === '1') return 'disk';
  const onTmpfs = existsSync(TMPFS);
  if (onTmpfs) process.env.TMPDIR = TMPFS;
  if (process.env.DIPLOWIRE_BENCH_TABLES_IN_FILES === '1') return onTmpfs ? 'tmpfs' : 'disk';
  process.env.DIPLOWIRE_DYNAMODB_IN_MEMORY = '1';
  return 'memory';
}

/** A sequential PutItem's median on DynamoDB Local with its tables under `baseDir`, or in memory. */
async function putItemMs(baseDir: string | 'memory', writes: number): Promise<number> {
  const dbPath = baseDir === 'memory' ? undefined : mkdtempSync(join(baseDir, 'diplowire-bench-storage-'));
  const ddb = await startDynamoDbLocal(dbPath === undefined ? {} : { dbPath });
  const client = new DynamoDBClient({
    endpoint: ddb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: 'storage',
        KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const put = (key: string) =>
      client.send(
        new PutItemCommand({ TableName: 'storage', Item: { PK: { S: key }, body: { S: 'x'.repeat(1000) } } }),
      );
    for (let n = 0; n < 20; n++) await put(`warm-${n}`);
    const times: number[] = [];
    for (let n = 0; n < writes; n++) {
      const started = performance.now();
      await put(`key-${n}`);
      times.push(performance.now() - started);
    }
    return median(times);
  } finally {
    client.destroy();
    await ddb.stop();
    if (dbPath !== undefined) rmSync(dbPath, { recursive: true, force: true });
  }
}

/** A sequential PutItem's median on the disk, on tmpfs and in memory, one after the other in this run. */
export async function measureStorage(cloudData: CloudData, writes = 100): Promise<StorageFigures> {
  const diskPutItemMs = await putItemMs(diskTmp, writes);
  const tmpfsPutItemMs = existsSync(TMPFS) ? await putItemMs(TMPFS, writes) : null;
  const memoryPutItemMs = await putItemMs('memory', writes);
  return { cloudData, diskPutItemMs, tmpfsPutItemMs, memoryPutItemMs };
}
