/**
 * Where a stream mapping's records come from: a source hands over, per shard and in order, what arrived
 * since the previous read. The default reads DynamoDB Local's stream; tests script their own.
 */
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { StreamReader } from '../stream-reader';

/** Last processed sequence number per shard id. */
export type Checkpoints = Record<string, string>;

export interface ShardRecords {
  shardId: string;
  /** In sequence order, already in Lambda's DynamoDB-stream record shape. */
  records: DynamoDBRecord[];
}

/**
 * Reads a DynamoDB stream. `read()` returns the records that arrived since the previous call, per shard,
 * in order (a parent shard's records before its children's); an empty array when idle.
 */
export interface StreamSource {
  /** With `maxPerShard`, at most that many records of each shard; the rest are left for the next read. */
  read(maxPerShard?: number): Promise<ShardRecords[]>;
  close?(): void | Promise<void>;
}

export interface StreamSourceRequest {
  streamArn: string;
  /**
   * Checkpoints persisted by a previous run, or undefined on the first run. The source resumes every listed
   * shard after its sequence number and reads unlisted shards from their start (TRIM_HORIZON). The mapping
   * implements StartingPosition LATEST itself, by skipping what the first read returns.
   */
  checkpoints: Checkpoints | undefined;
}

/** The default source: helper StreamReader over the DynamoDB Streams API (DynamoDB Local). */
export function dynamoDbStreamSource(client: DynamoDBStreamsClient) {
  return (request: StreamSourceRequest): StreamSource => {
    const reader = new StreamReader(client, request.streamArn);
    if (request.checkpoints) {
      const shards = Object.fromEntries(
        Object.entries(request.checkpoints).map(([shardId, sequenceNumber]) => [shardId, { sequenceNumber }]),
      );
      reader.restore({ streamArn: request.streamArn, shards });
    }
    return { read: (maxPerShard) => reader.readBatches({ maxRecordsPerShard: maxPerShard }) };
  };
}
