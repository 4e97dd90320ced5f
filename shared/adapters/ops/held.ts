import { type DynamoDBClient, QueryCommand, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { HeldSummary } from '../../domain/ops/status';
import {
  HELD_BY_RELEASE_TIME,
  HELD_QUEUE,
  ITEM_PK_PREFIX,
  VERSION_SK_PREFIX,
} from '../dynamodb/table-design';

/** Held versions read at most (the sparse index holds only what is under embargo: few, by design). */
const MAX_READ = 10_000;

/**
 * Held (embargoed) versions from the sparse index HeldByReleaseTime, earliest release first: how many,
 * how many are overdue by more than `graceMs`, and the next one due.
 */
export async function heldSummary(
  client: DynamoDBClient,
  tableName: string,
  now: Date,
  graceMs: number,
): Promise<HeldSummary> {
  const overdueBefore = new Date(now.getTime() - graceMs).toISOString();
  let count = 0;
  let overdue = 0;
  let next: HeldSummary['next'];
  let ExclusiveStartKey: QueryCommandOutput['LastEvaluatedKey'];
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: HELD_BY_RELEASE_TIME,
        KeyConditionExpression: 'heldQueue = :queue',
        ExpressionAttributeValues: marshall({ ':queue': HELD_QUEUE }),
        ScanIndexForward: true,
        Limit: 1000,
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const { PK, SK, heldReleaseAt } = unmarshall(item) as { PK: string; SK: string; heldReleaseAt: string };
      count++;
      if (heldReleaseAt < overdueBefore) overdue++;
      next ??= {
        itemId: PK.slice(ITEM_PK_PREFIX.length),
        version: Number(SK.slice(VERSION_SK_PREFIX.length)),
        releaseAt: heldReleaseAt,
      };
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey !== undefined && count < MAX_READ);
  return { count, overdue, ...(next && { next }), truncated: ExclusiveStartKey !== undefined };
}
