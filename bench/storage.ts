/**
 * Where the bench's throwaway clouds keep their data, and what the disk would cost them.
 *
 * DynamoDB Local commits every write to SQLite with fsync, one write at a time (concurrent writes
 * queue behind each other). On a disk whose fsync takes milliseconds, that commit alone sets every
 * pipeline latency: 60 releases due at once cannot be written in under a second. It models nothing
 * of AWS, where a write takes a few ms whatever the load. So the bench's clouds (a fresh data dir
 * each, thrown away after) keep their data on tmpfs when the machine has one, and the JSON line
 * reports both commit costs, measured in the same run, so the choice can be judged:
 * - `diskPutItemMs`: a sequential PutItem on DynamoDB Local with its database on the disk;
 * - `tmpfsPutItemMs`: the same on tmpfs, where the bench's clouds run.
 * `npm start` keeps its data on disk (`.local/`), where it survives reboots.
 * `DIPLOWIRE_BENCH_ON_DISK=1` runs the bench's clouds on the disk instead.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { median } from './support';

const TMPFS = '/dev/shm';

export interface StorageFigures {
  /** Where the bench's clouds keep their data. */
  cloudData: 'tmpfs' | 'disk';
  diskPutItemMs: number;
  tmpfsPutItemMs: number | null;
}

const diskTmp = tmpdir();

/** Sends the bench's throwaway data dirs (os.tmpdir()) to tmpfs, unless told not to or there is none. */
export function throwawayCloudsOnTmpfs(): 'tmpfs' | 'disk' {
  if (process.env.DIPLOWIRE_BENCH_ON_DISK === '1' || !existsSync(TMPFS)) return 'disk';
  process.env.TMPDIR = TMPFS;
  return 'tmpfs';
}

async function putItemMs(baseDir: string, writes: number): Promise<number> {
  const dbPath = mkdtempSync(join(baseDir, 'diplowire-bench-storage-'));
  const ddb = await startDynamoDbLocal({ dbPath });
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
    rmSync(dbPath, { recursive: true, force: true });
  }
}

/** A sequential PutItem's median on the disk and on tmpfs, one after the other in this run. */
export async function measureStorage(cloudData: 'tmpfs' | 'disk', writes = 100): Promise<StorageFigures> {
  const diskPutItemMs = await putItemMs(diskTmp, writes);
  const tmpfsPutItemMs = existsSync(TMPFS) ? await putItemMs(TMPFS, writes) : null;
  return { cloudData, diskPutItemMs, tmpfsPutItemMs };
}
