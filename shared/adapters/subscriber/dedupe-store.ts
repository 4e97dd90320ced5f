import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { decideClaim } from '../../domain/lease';
import { LEASE_ATTRIBUTES, leaseHeldBy, leaseRecordOf, putWithLease, releaseLease } from '../dynamodb/lease';
import { dedupeKey } from '../dynamodb/table-design';

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
  leaseMs?: number;
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
 * The claim is the lease protocol of shared/domain/lease.ts: one conditional write.
 */
export class DynamoDedupeStore implements DedupeStore {
  private readonly ttlSeconds: number;
  private readonly leaseMs: number;
  private readonly ttlAttribute: string;
  private readonly now: () => number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    opts: DynamoDedupeStoreOptions = {},
  ) {
    this.ttlSeconds = opts.ttlSeconds ?? 7 * 24 * 3600;
    this.leaseMs = opts.leaseMs ?? 15 * 60_000;
    this.ttlAttribute = opts.ttlAttribute ?? 'expiresAt';
    this.now = opts.now ?? Date.now;
  }

  async claim(key: string): Promise<DedupeClaim> {
    const nowMs = this.now();
    const take = await putWithLease(this.client, {
      tableName: this.tableName,
      key: dedupeKey(key),
      token: randomUUID(),
      nowMs,
      leaseMs: this.leaseMs,
      item: {
        entity: 'Dedupe',
        status: IN_PROGRESS,
        [this.ttlAttribute]: Math.floor(nowMs / 1000) + this.ttlSeconds,
      },
      ttl: { attribute: this.ttlAttribute },
    });
    if (take.claimed) return { status: 'claimed', token: take.token };
    const record = leaseRecordOf(take.current, {
      done: (row) => row.status === DONE,
      ttl: this.ttlAttribute,
    });
    if (decideClaim(record, nowMs).outcome === 'done') return { status: 'duplicate' };
    throw new DedupeInProgressError(key);
  }

  async complete(key: string, token: string): Promise<void> {
    const held = leaseHeldBy(token);
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(dedupeKey(key)),
        UpdateExpression: 'SET #status = :done REMOVE #leaseToken, #leaseUntil',
        ConditionExpression: held.expression,
        ExpressionAttributeNames: {
          ...held.names,
          '#status': 'status',
          '#leaseUntil': LEASE_ATTRIBUTES.until,
        },
        ExpressionAttributeValues: marshall({ ...held.values, ':done': DONE }),
      }),
    );
  }

  async release(key: string, token: string): Promise<void> {
    await releaseLease(this.client, { tableName: this.tableName, key: dedupeKey(key), token, what: 'row' });
  }
}
