/** What the mapping reads off a DynamoDB stream record. */
import { createHash } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';

/**
 * The concurrent batch an item's records go to: Lambda keeps records of the same item (partition
 * and sort key) in order when it processes several batches of a shard at once.
 */
export function laneOf(record: DynamoDBRecord, lanes: number): number {
  if (lanes === 1) return 0;
  const key = JSON.stringify(record.dynamodb?.Keys ?? {});
  return createHash('md5').update(key).digest().readUInt32BE(0) % lanes;
}

export function seq(record: DynamoDBRecord | undefined): string {
  return record?.dynamodb?.SequenceNumber ?? '';
}

export function createdAtMs(record: DynamoDBRecord): number {
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  return typeof seconds === 'number' ? seconds * 1000 : Date.now();
}

export function shortShard(shardId: string): string {
  return shardId.length > 16 ? `…${shardId.slice(-12)}` : shardId;
}
