import { type DynamoDBClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { InvalidCursorError, type Page } from '../../domain/webhooks/ports';
import { GSI1 } from './table-design';

/**
 * Reads shared by the two stores of the webhooks table (subscription-store.ts, delivery-store.ts);
 * the keys are in table-design.ts, the design in docs/webhooks.md.
 */

/** One page of a GSI1 partition with an opaque cursor bound to that partition. */
export async function pageOfIndex<T>(
  client: DynamoDBClient,
  tableName: string,
  gsi1pk: string,
  page: { limit: number; cursor?: string },
  map: (item: Record<string, unknown>) => T,
  /** Rows whose GSI1SK (`<createdAt>#<id>`) sorts at or after this, oldest first; default: all, newest first. */
  since?: string,
): Promise<Page<T>> {
  const input: QueryCommandInput = {
    TableName: tableName,
    IndexName: GSI1,
    KeyConditionExpression: since === undefined ? 'GSI1PK = :pk' : 'GSI1PK = :pk AND GSI1SK >= :since',
    ExpressionAttributeValues: marshall({ ':pk': gsi1pk, ...(since !== undefined && { ':since': since }) }),
    ScanIndexForward: since !== undefined,
    Limit: page.limit,
  };
  if (page.cursor !== undefined) input.ExclusiveStartKey = marshall(decodeCursor(page.cursor, gsi1pk));
  const { Items = [], LastEvaluatedKey } = await client.send(new QueryCommand(input));
  return {
    items: Items.map((item) => map(unmarshall(item))),
    // The cursor is the plain (unmarshalled) key as JSON: the format partners have always seen.
    ...(LastEvaluatedKey && { cursor: encodeCursor(unmarshall(LastEvaluatedKey)) }),
  };
}

/** The rows of a two-row partition (subscription + secrets, delivery + payload): one strongly consistent Query. */
export async function queryPartition(
  client: DynamoDBClient,
  tableName: string,
  pk: string,
): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: marshall({ ':pk': pk }),
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => unmarshall(item));
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** A cursor is the last key of a page; one from another partition (another partner) is refused. */
function decodeCursor(cursor: string, gsi1pk: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const valid =
      key.GSI1PK === gsi1pk &&
      ['PK', 'SK', 'GSI1SK'].every((name) => typeof key[name] === 'string') &&
      Object.keys(key).length === 4;
    if (valid) return key;
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

/** The named fields of a row that are set (rows leave undefined optional fields out). */
export function pick<T>(record: Record<string, unknown>, fields: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const field of fields) if (record[field] !== undefined) out[field] = record[field];
  return out as T;
}
