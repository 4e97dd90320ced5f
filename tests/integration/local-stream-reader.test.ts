import { DescribeTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { StreamReader } from '#local/dynamodb/stream-reader.ts';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createItemsTable } from '../support/tables';

/**
 * The local stream reader on DynamoDB Local polls the way Lambda's poller does: it keeps each open
 * shard's next iterator and the shard list between polls, so an idle poll is one GetRecords per
 * shard, and records written later still arrive, in order, through the kept iterator.
 */

const client = localDynamoClient();
let tableName: string;
let streamArn: string;
const commands: string[] = [];
let streams: DynamoDBStreamsClient;

beforeAll(async () => {
  tableName = await createItemsTable(client, uniqueTableName('reader'));
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  streamArn = Table!.LatestStreamArn!;
  streams = new DynamoDBStreamsClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // Records the name of every command the reader sends.
  streams.middlewareStack.add(
    (next, context) => (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
});

async function put(n: number): Promise<void> {
  await client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: { PK: { S: `ITEM#reader-${n}` }, SK: { S: 'V#000000001' }, n: { N: String(n) } },
    }),
  );
}

const numbers = (records: Awaited<ReturnType<StreamReader['readAvailable']>>) =>
  records.map((record) => Number(record.dynamodb?.NewImage?.n?.N));

describe('StreamReader', () => {
  it('polls an idle stream with GetRecords alone, and reads later writes through the kept iterator', async () => {
    const reader = new StreamReader(streams, streamArn);
    for (const n of [1, 2, 3]) await put(n);
    expect(numbers(await reader.readAvailable())).toEqual([1, 2, 3]);

    commands.length = 0;
    expect(await reader.readAvailable()).toEqual([]);
    expect(await reader.readAvailable()).toEqual([]);
    expect(commands).toEqual(['GetRecordsCommand', 'GetRecordsCommand']);

    for (const n of [4, 5]) await put(n);
    commands.length = 0;
    expect(numbers(await reader.readAvailable())).toEqual([4, 5]);
    expect(commands.filter((name) => name !== 'GetRecordsCommand')).toEqual([]);
  });

  it('reads the first writes to an empty table through the iterator it kept while the shard was empty', async () => {
    // DynamoDB Local refuses such an iterator once records arrive (TrimmedDataAccessException); the
    // reader takes a fresh one from its position instead of failing the poll (a lost poll interval).
    const emptyTable = await createItemsTable(client, uniqueTableName('reader-empty'));
    const { Table } = await client.send(new DescribeTableCommand({ TableName: emptyTable }));
    const reader = new StreamReader(streams, Table!.LatestStreamArn!);
    expect(await reader.readAvailable()).toEqual([]);
    // Stream sequence numbers are global in DynamoDB Local: writes elsewhere move them on.
    for (const n of [100, 101]) await put(n);
    expect(await reader.readAvailable()).toEqual([]);
    for (const n of [1, 2]) {
      await client.send(
        new PutItemCommand({
          TableName: emptyTable,
          Item: { PK: { S: `ITEM#empty-${n}` }, SK: { S: 'V#000000001' }, n: { N: String(n) } },
        }),
      );
    }
    expect(numbers(await reader.readAvailable())).toEqual([1, 2]);
    expect(await reader.readAvailable()).toEqual([]);
  });

  it('takes at most the asked number per shard and continues right after it on the next read', async () => {
    const reader = new StreamReader(streams, streamArn);
    reader.restore({ streamArn, shards: {} });
    const all = numbers(await reader.readAvailable());
    for (const n of [6, 7, 8, 9, 10]) await put(n);
    const fresh = new StreamReader(streams, streamArn);
    const first = await fresh.readBatches({ maxRecordsPerShard: all.length + 2 });
    const second = await fresh.readBatches({ maxRecordsPerShard: 1000 });
    const read = [...first, ...second].flatMap((batch) => numbers(batch.records));
    expect(read).toEqual([...all, 6, 7, 8, 9, 10]);
    expect(numbers(first.flatMap((batch) => batch.records))).toHaveLength(all.length + 2);
  });

  it('starts over from its checkpoint after restore, not from a kept iterator', async () => {
    const reader = new StreamReader(streams, streamArn);
    const everything = numbers(await reader.readAvailable());
    const checkpoint = reader.checkpoint();
    await put(11);
    const replay = new StreamReader(streams, streamArn);
    await replay.readAvailable();
    // Back to the earlier position: the record written since is read again, once.
    expect(replay.restore(checkpoint)).toBe(true);
    expect(numbers(await replay.readAvailable())).toEqual([11]);
    expect(everything.at(-1)).toBe(10);
  });
  it('hands over what one page held, without chasing records written while it read', async () => {
    const reader = new StreamReader(streams, streamArn);
    await reader.readAvailable();
    for (const n of [12, 13]) await put(n);
    // A writer keeps adding records while the reader reads (a burst of releases): each GetRecords
    // is followed by one more write.
    let writes = 0;
    const writer =
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: unknown) => {
        const output = await next(args);
        if (context.commandName === 'GetRecordsCommand' && writes < 3) await put(14 + writes++);
        return output;
      };
    streams.middlewareStack.add(writer as never, { step: 'initialize', name: 'writeDuringRead' });
    try {
      commands.length = 0;
      expect(numbers(await reader.readAvailable())).toEqual([12, 13]);
      expect(commands).toEqual(['GetRecordsCommand']);
      expect(numbers(await reader.readAvailable())).toEqual([14]);
    } finally {
      streams.middlewareStack.remove('writeDuringRead');
    }
    expect(numbers(await reader.readAvailable())).toEqual([15]);
  });
});
