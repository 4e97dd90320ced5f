/**
 * The local stream reader's records, as the outbox publisher receives them: Lambda's shape for
 * DynamoDB stream records, and a restart from a saved checkpoint that loses and repeats nothing.
 * How it polls: local-stream-reader.test.ts.
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, inject, it } from 'vitest';
import { StreamReader } from '#local/dynamodb/stream-reader.ts';
import { reader, useItemStream, versionRecords, writeItem } from '../support/item-stream';

useItemStream('stream-records');

describe('StreamReader', () => {
  it('delivers records in the shape Lambda uses for DynamoDB streams', async () => {
    const [v] = await writeItem(1);
    const record = versionRecords(await reader.readAvailable())[0]!;
    expect(record).toMatchObject({
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: reader.streamArn,
      dynamodb: {
        Keys: { PK: { S: `ITEM#${v!.itemId}` }, SK: { S: 'V#000000001' } },
        NewImage: { itemId: { S: v!.itemId }, version: { N: '1' }, pubstatus: { S: 'usable' } },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(typeof record.eventID).toBe('string');
    expect(record.dynamodb?.SequenceNumber).toMatch(/^\d+$/);
    expect(record.dynamodb?.SizeBytes).toBeGreaterThan(0);
    const created = record.dynamodb?.ApproximateCreationDateTime;
    expect(Number.isInteger(created)).toBe(true);
    expect(Math.abs(created! - Date.now() / 1000)).toBeLessThan(300);
    expect(JSON.parse(JSON.stringify(record))).toEqual(record); // plain JSON, like a Lambda event
  });

  it('resumes from a checkpoint after a restart, with no record lost or repeated', async () => {
    await writeItem(1);
    await reader.readAvailable();
    const saved = JSON.parse(JSON.stringify(reader.checkpoint()));
    const written = await writeItem(2);

    const restarted = new StreamReader(
      new DynamoDBStreamsClient({
        endpoint: inject('dynamodbEndpoint'),
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
      reader.streamArn,
    );
    expect(restarted.restore(saved)).toBe(true);
    const records = versionRecords(await restarted.readAvailable());
    expect(records.map((r) => r.dynamodb?.NewImage?.SK?.S)).toEqual(['V#000000001', 'V#000000002']);
    expect(records.every((r) => r.dynamodb?.NewImage?.itemId?.S === written[0]!.itemId)).toBe(true);
    expect(await restarted.readAvailable()).toEqual([]);
    expect(restarted.restore({ streamArn: 'arn:other', shards: {} })).toBe(false);
  });
});
