import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { isHeld, type Publication } from '../../domain/embargo';
import { PayloadTooLargeError } from '../../domain/errors';
import type { ItemHead, ItemVersion } from '../../domain/item';
import type { DueRelease, ItemHeadReader, ItemWriteStore, ReleaseStore } from '../../domain/ports';
import { fromVersionRecord, HEAD_ATTRIBUTES, headOfVersionRecord, toVersionRecord } from './item-records';
import {
  ENTITY,
  HELD_BY_RELEASE_TIME,
  HELD_QUEUE,
  itemPk,
  releaseBurstKey,
  VERSION_SK_PREFIX,
  versionKey,
} from './table-design';

/** A burst lease row outlives its burst by a day, then TTL removes it. */
const BURST_ROW_TTL_SECONDS = 86_400;

export interface DynamoItemStoreOptions {
  /** Tag of one write attempt (see VersionRecord.writeId); injectable to replay an SDK retry in tests. */
  newWriteId?: () => string;
}

/**
 * Reads of the items table (heads and versions): what readers such as the translator
 * need, without the write paths or the listings (item-read-store.ts) (their conditional puts and transactions stay out of those bundles).
 * Reads are strongly consistent: clients read right after they write (POST, then GET the
 * version), and an eventually consistent read could miss a version that was just accepted.
 */
export class DynamoItemReader implements ItemHeadReader {
  constructor(
    protected readonly client: DynamoDBClient,
    protected readonly tableName: string,
  ) {}

  async getHead(itemId: string): Promise<ItemHead | undefined> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        // Translation rows (TR#...) share the partition: only version rows are heads.
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :versionPrefix)',
        ExpressionAttributeValues: marshall({ ':pk': itemPk(itemId), ':versionPrefix': VERSION_SK_PREFIX }),
        // Documents can be large; the head needs only their metadata.
        ProjectionExpression: HEAD_ATTRIBUTES.map((name) => `#${name}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(HEAD_ATTRIBUTES.map((name) => [`#${name}`, name])),
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const latest = Items?.[0];
    return latest ? headOfVersionRecord(unmarshall(latest)) : undefined;
  }

  async getVersion(itemId: string, version: number): Promise<ItemVersion | undefined> {
    if (!Number.isSafeInteger(version) || version < 1) return undefined;
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(versionKey(itemId, version)),
        ConsistentRead: true,
      }),
    );
    return Item ? fromVersionRecord(unmarshall(Item)) : undefined;
  }
}

/**
 * The release side (ReleaseStore): the conditional write that releases a held version, and the
 * sweeper's query of the HeldByReleaseTime index.
 */
export class DynamoReleaseStore extends DynamoItemReader implements ReleaseStore {
  async release(itemId: string, version: number, releasedAt: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(versionKey(itemId, version)),
          UpdateExpression: 'SET releasedAt = :now REMOVE heldQueue, heldReleaseAt',
          // The index keys are there only while the embargo holds (a supersession removes them).
          ConditionExpression:
            'attribute_exists(heldReleaseAt) AND heldReleaseAt <= :now AND attribute_not_exists(releasedAt)',
          ExpressionAttributeValues: marshall({ ':now': releasedAt }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async claimBurst(releaseAt: string, nowMs: number, leaseUntilMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(releaseBurstKey(releaseAt)),
          UpdateExpression: 'SET entity = :entity, leaseUntil = :until, expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(PK) OR leaseUntil < :now',
          ExpressionAttributeValues: marshall({
            ':entity': ENTITY.releaseBurst,
            ':until': leaseUntilMs,
            ':now': nowMs,
            ':expires': Math.floor(nowMs / 1000) + BURST_ROW_TTL_SECONDS,
          }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async listDue(now: string, limit: number): Promise<DueRelease[]> {
    const due: DueRelease[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: HELD_BY_RELEASE_TIME,
          KeyConditionExpression: 'heldQueue = :queue AND heldReleaseAt <= :now',
          ExpressionAttributeValues: marshall({ ':queue': HELD_QUEUE, ':now': now }),
          ScanIndexForward: true,
          Limit: Math.min(limit - due.length, 1000),
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const { PK, SK } = unmarshall(item) as { PK: string; SK: string };
        due.push({ itemId: PK.slice('ITEM#'.length), version: Number(SK.slice(VERSION_SK_PREFIX.length)) });
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey !== undefined && due.length < limit);
    return due;
  }
}

/**
 * The write side (ItemWriteStore) on the items table: one row per version, and nothing else. Every accepted change is
 * ONE conditional PutItem of its version row (`attribute_not_exists`):
 * - the item id is derived from (partner, uri), so version 1 is the uniqueness guard: parallel
 *   identical submissions race for the same key and exactly one wins;
 * - version n+1 can be written once: of two writers based on version n, exactly one wins.
 * There is no head row: the head is the latest version row. Version rows are written once and
 * never changed (they are the outbox the stream publishes).
 */
export class DynamoItemStore extends DynamoItemReader implements ItemWriteStore {
  private readonly newWriteId: () => string;

  constructor(client: DynamoDBClient, tableName: string, options: DynamoItemStoreOptions = {}) {
    super(client, tableName);
    this.newWriteId = options.newWriteId ?? randomUUID;
  }

  async createItem(first: ItemVersion): Promise<{ created: true } | { created: false; existing: ItemHead }> {
    if (first.version !== 1) throw new RangeError(`createItem needs version 1, got ${first.version}`);
    const taken = await this.putVersion(first, first.receivedAt);
    if (taken === undefined) return { created: true };
    if (taken.partnerId !== first.partnerId || taken.uri !== first.uri) {
      // 130-bit hash ids make this practically impossible; never answer with someone else's item.
      throw new Error(`Item id ${first.itemId} is taken by another (partner, uri)`);
    }
    const existing = await this.getHead(first.itemId);
    if (!existing) throw new Error(`Version 1 of item ${first.itemId} exists but its head cannot be read`);
    return { created: false, existing };
  }

  async appendVersion(
    next: ItemVersion,
    base: Pick<ItemHead, 'itemId' | 'version' | 'createdAt'> & Publication,
  ): Promise<boolean> {
    if (next.itemId !== base.itemId || next.version !== base.version + 1) {
      throw new RangeError(
        `Version ${next.version} of ${next.itemId} cannot follow version ${base.version} of ${base.itemId}`,
      );
    }
    // Versions are never deleted, so `base` still exists; whoever writes next.version first wins.
    if (!isHeld(base)) return (await this.putVersion(next, base.createdAt)) === undefined;
    return this.supersedeHeld(next, base);
  }

  /**
   * Appends on a held head, atomically marking it superseded (which takes it out of the release
   * index). Its condition (not released) and the release's (not superseded: the index keys still
   * there) exclude each other, so a held version is released or superseded, never both. The
   * only path with a transaction, and only while an item is held: ingest stays one write.
   */
  private async supersedeHeld(
    next: ItemVersion,
    base: Pick<ItemHead, 'itemId' | 'version' | 'createdAt'>,
  ): Promise<boolean> {
    const writeId = this.newWriteId();
    const command = new TransactWriteItemsCommand({
      // Idempotent for 10 minutes: an SDK retry of a commit whose response was lost succeeds again.
      ClientRequestToken: writeId,
      TransactItems: [
        {
          Put: {
            TableName: this.tableName,
            Item: marshall(toVersionRecord(next, { itemCreatedAt: base.createdAt, writeId })),
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: marshall(versionKey(base.itemId, base.version)),
            UpdateExpression: 'SET supersededAt = :at REMOVE heldQueue, heldReleaseAt',
            ConditionExpression:
              'attribute_exists(PK) AND attribute_not_exists(releasedAt) AND attribute_not_exists(supersededAt)',
            ExpressionAttributeValues: marshall({ ':at': next.receivedAt }),
          },
        },
      ],
    });
    try {
      await this.client.send(command);
      return true;
    } catch (error) {
      // A failed condition or a conflict with a concurrent release: the service reads the head again
      // and decides (retry on a released or still held head, 412 on a newer version).
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  /**
   * Writes the row of `version` if its key is free. Returns undefined when written, else the
   * row that holds the key. A row carrying our own writeId means the SDK retried a put that had
   * already succeeded (its first response was lost): that is our write, so it counts as written.
   */
  private async putVersion(
    version: ItemVersion,
    itemCreatedAt: string,
  ): Promise<Record<string, unknown> | undefined> {
    const writeId = this.newWriteId();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(toVersionRecord(version, { itemCreatedAt, writeId })),
          ConditionExpression: 'attribute_not_exists(PK)',
          // The holder comes back with the failure: no extra read to tell ours from theirs.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return undefined;
    } catch (error) {
      if (isItemTooLarge(error)) {
        // Ingest keeps a normalised item within 256 KiB, far below this; still, never answer 500 for it.
        throw new PayloadTooLargeError(
          `Version ${version.version} of the item is larger than a stored version may be (400 KB).`,
        );
      }
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // ALL_OLD on a failed condition always returns the row that failed it.
      if (!error.Item)
        throw new Error(`Conditional put of ${version.itemId} v${version.version} returned no row`);
      const holder = unmarshall(error.Item);
      return holder.writeId === writeId ? undefined : holder;
    }
  }
}

/** DynamoDB's answer to a row over its 400 KB item limit (a ValidationException, not a typed error). */
export function isItemTooLarge(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'ValidationException' &&
    /item size (has )?exceeded the maximum allowed size/i.test(error.message)
  );
}
