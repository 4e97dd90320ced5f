import { randomBytes } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';

/** The row holding the key that signs page cursors (partners table; never leaves the backend). */
export const CURSOR_KEY_ROW = { PK: { S: 'CONFIG#cursor-key' }, SK: { S: 'CONFIG' } };

/**
 * The cursor-signing key: 32 random bytes, created by the first function that needs it (a
 * conditional put, so concurrent cold starts agree on one key) and read once per execution
 * environment. Kept in the partners table, which is encrypted at rest and readable only by the
 * functions that authorise or page: no extra service (Secrets Manager) for one value that never
 * has to be shown to anyone. Deleting the row invalidates every cursor issued so far.
 */
export async function loadCursorKey(client: DynamoDBClient, tableName: string): Promise<Uint8Array> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const { Item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: CURSOR_KEY_ROW, ConsistentRead: true }),
    );
    const stored = Item?.key?.B;
    if (stored !== undefined) return stored;
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { ...CURSOR_KEY_ROW, entity: { S: 'CursorKey' }, key: { B: randomBytes(32) } },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (error) {
      // Another cold start created it first: read theirs.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  throw new Error('The cursor key row cannot be read');
}
