import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

/** The result of trying to start processing an event. */
export type DedupeClaim = { status: 'claimed'; token: string } | { status: 'duplicate' };

/**
 * Remembers which events a subscriber has processed. `claim` before handling, `complete` after
 * success, `release` after a failure (so the retry is not mistaken for a duplicate).
 */
export interface DedupeStore {
  /** Throws DedupeInProgressError while another invocation holds the key. */
  claim(key: string): Promise<DedupeClaim>;
  complete(key: string, token: string): Promise<void>;
  release(key: string, token: string): Promise<void>;
}

/** The same event is being handled right now by another invocation: retry later. */
export class DedupeInProgressError extends Error {
  readonly retryable = true;
  constructor(readonly key: string) {
    super(`Event ${key} is being processed by another invocation`);
    this.name = 'DedupeInProgressError';
  }
}

export interface DynamoDedupeStoreOptions {
  /** How long a processed key is remembered (DynamoDB TTL; deletion may lag by up to a few days). */
  ttlSeconds?: number;
  /** How long an in-progress claim blocks duplicates; must exceed the function timeout. */
  leaseSeconds?: number;
  /** TTL attribute of the table (the items table uses `expiresAt`). */
  ttlAttribute?: string;
  now?: () => number;
}

const DONE = 'done';
const IN_PROGRESS = 'in-progress';

/**
 * DedupeStore on any table keyed `PK`/`SK` (strings) with TTL, e.g. the items table: rows are
 * PK `DEDUPE#<key>`, SK `DEDUPE`, removed by TTL after `ttlSeconds`. The key should name the
 * subscriber (`<subscriber>#<eventId>`) so two subscribers sharing a table do not shadow each other.
 */
export class DynamoDedupeStore implements DedupeStore {
  private readonly ttlSeconds: number;
  private readonly leaseSeconds: number;
  private readonly ttlAttribute: string;
  private readonly now: () => number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    opts: DynamoDedupeStoreOptions = {},
  ) {
    this.ttlSeconds = opts.ttlSeconds ?? 7 * 24 * 3600;
    this.leaseSeconds = opts.leaseSeconds ?? 15 * 60;
    this.ttlAttribute = opts.ttlAttribute ?? 'expiresAt';
    this.now = opts.now ?? Date.now;
  }

  private key(key: string) {
    return { PK: `DEDUPE#${key}`, SK: 'DEDUPE' };
  }

  async claim(key: string): Promise<DedupeClaim> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const token = randomUUID();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({
            ...this.key(key),
            entity: 'Dedupe',
            status: IN_PROGRESS,
            claimToken: token,
            leaseUntil: nowSeconds + this.leaseSeconds,
            [this.ttlAttribute]: nowSeconds + this.ttlSeconds,
          }),
          // A row whose TTL has passed may still be there (TTL deletion lags): treat it as gone.
          ConditionExpression:
            'attribute_not_exists(PK) OR #ttl < :now OR (#status = :inProgress AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': this.ttlAttribute },
          ExpressionAttributeValues: marshall({ ':inProgress': IN_PROGRESS, ':now': nowSeconds }),
        }),
      );
      return { status: 'claimed', token };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(this.key(key)), ConsistentRead: true }),
    );
    if (Item !== undefined && unmarshall(Item).status === DONE) return { status: 'duplicate' };
    throw new DedupeInProgressError(key);
  }

  async complete(key: string, token: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(this.key(key)),
        UpdateExpression: 'SET #status = :done REMOVE claimToken, leaseUntil',
        ConditionExpression: 'claimToken = :token',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({ ':done': DONE, ':token': token }),
      }),
    );
  }

  async release(key: string, token: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall(this.key(key)),
          ConditionExpression: 'claimToken = :token',
          ExpressionAttributeValues: marshall({ ':token': token }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
