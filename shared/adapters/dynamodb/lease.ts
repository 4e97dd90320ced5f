import {
  type ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type LeaseRecord, leaseExpiry } from '../../domain/lease';
import type { TableKey } from './table-design';

/**
 * The lease protocol of shared/domain/lease.ts on DynamoDB rows: a lease is two attributes of a
 * row, a token and an expiry in epoch milliseconds. Taking one is a single conditional write with
 * `ReturnValuesOnConditionCheckFailure: ALL_OLD`, so a refused claim comes back with the row that
 * refused it, in the same round trip (no read after the write, no window in which that row changes).
 */

export interface LeaseAttributes {
  token: string;
  until: string;
}

/** The attribute names of a row's lease (`attributes` names others, for a row that would hold two). */
export const LEASE_ATTRIBUTES: LeaseAttributes = { token: 'leaseToken', until: 'leaseUntil' };

export interface Condition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export type LeaseTake =
  | { claimed: true; token: string; leaseUntil: number }
  /** `current`: the row that refused the claim, as it was then (undefined: there was none). */
  | { claimed: false; current: Record<string, unknown> | undefined };

interface TakeBase {
  tableName: string;
  key: TableKey;
  token: string;
  nowMs: number;
  leaseMs: number;
  attributes?: LeaseAttributes;
}

/**
 * Writes `item` (a whole row) under a new lease, when there is no row under `key`, the row's
 * lease has lapsed, or (with `ttl`) the row is past its TTL but not yet deleted (TTL deletion
 * lags). A finished row carries no lease attributes, so it is never overwritten.
 */
export async function putWithLease(
  client: DynamoDBClient,
  options: TakeBase & { item: Record<string, unknown>; ttl?: { attribute: string } },
): Promise<LeaseTake> {
  const { token, until } = options.attributes ?? LEASE_ATTRIBUTES;
  const leaseUntil = leaseExpiry(options.nowMs, options.leaseMs);
  const names: Record<string, string> = { '#leaseUntil': until };
  const values: Record<string, unknown> = { ':now': options.nowMs };
  let expression = 'attribute_not_exists(PK) OR #leaseUntil < :now';
  if (options.ttl) {
    names['#ttl'] = options.ttl.attribute;
    values[':nowSeconds'] = Math.floor(options.nowMs / 1000);
    expression += ' OR #ttl < :nowSeconds';
  }
  return conditionally(
    client,
    new PutItemCommand({
      TableName: options.tableName,
      Item: marshall(
        { ...options.item, ...options.key, [token]: options.token, [until]: leaseUntil },
        { removeUndefinedValues: true },
      ),
      ConditionExpression: expression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: marshall(values),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }),
    { claimed: true, token: options.token, leaseUntil },
  );
}

/**
 * Takes the lease on an existing row, when `precondition` holds (the work is still to do) and no
 * live lease is on it.
 */
export async function takeLease(
  client: DynamoDBClient,
  options: TakeBase & { precondition?: Condition },
): Promise<LeaseTake> {
  const { token, until } = options.attributes ?? LEASE_ATTRIBUTES;
  const leaseUntil = leaseExpiry(options.nowMs, options.leaseMs);
  const pre = options.precondition;
  return conditionally(
    client,
    new UpdateItemCommand({
      TableName: options.tableName,
      Key: marshall(options.key),
      UpdateExpression: 'SET #leaseToken = :leaseToken, #leaseUntil = :leaseUntil',
      ConditionExpression:
        `attribute_exists(PK)${pre ? ` AND (${pre.expression})` : ''}` +
        ' AND (attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)',
      ExpressionAttributeNames: { ...pre?.names, '#leaseToken': token, '#leaseUntil': until },
      ExpressionAttributeValues: marshall(
        { ...pre?.values, ':leaseToken': options.token, ':leaseUntil': leaseUntil, ':now': options.nowMs },
        { removeUndefinedValues: true },
      ),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }),
    { claimed: true, token: options.token, leaseUntil },
  );
}

/**
 * The condition under which the holder of `token` completes or releases its lease. Names and
 * values are prefixed `#lease`/`:lease` so they merge with the caller's own.
 */
export function leaseHeldBy(
  token: string,
  attributes: LeaseAttributes = LEASE_ATTRIBUTES,
): Required<Condition> {
  return {
    expression: '#leaseToken = :leaseToken',
    names: { '#leaseToken': attributes.token },
    values: { ':leaseToken': token },
  };
}

/**
 * Gives a lease up (after a failure) so a retry can take it at once: deletes the row it created
 * (`what: 'row'`) or removes the lease from a row that outlives it (`what: 'lease'`). A lease that
 * is no longer ours (lapsed and taken over) is left alone.
 */
export async function releaseLease(
  client: DynamoDBClient,
  options: {
    tableName: string;
    key: TableKey;
    token: string;
    what: 'row' | 'lease';
    attributes?: LeaseAttributes;
  },
): Promise<void> {
  const attributes = options.attributes ?? LEASE_ATTRIBUTES;
  const held = leaseHeldBy(options.token, attributes);
  const common = {
    TableName: options.tableName,
    Key: marshall(options.key),
    ConditionExpression: held.expression,
    ExpressionAttributeValues: marshall(held.values),
  };
  const command =
    options.what === 'row'
      ? new DeleteItemCommand({ ...common, ExpressionAttributeNames: held.names })
      : new UpdateItemCommand({
          ...common,
          UpdateExpression: 'REMOVE #leaseToken, #leaseUntil',
          ExpressionAttributeNames: { ...held.names, '#leaseUntil': attributes.until },
        });
  try {
    await client.send(command as DeleteItemCommand);
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/**
 * A row as the lease protocol sees it: `done` says whether its work is recorded; otherwise a row
 * with a lease is in progress, and one without is free (undefined). `ttl` is the row's TTL
 * attribute (epoch seconds), if it has one.
 */
export function leaseRecordOf(
  row: Record<string, unknown> | undefined,
  options: { done: (row: Record<string, unknown>) => boolean; attributes?: LeaseAttributes; ttl?: string },
): LeaseRecord | undefined {
  if (row === undefined) return undefined;
  const { token, until } = options.attributes ?? LEASE_ATTRIBUTES;
  if (options.done(row)) {
    const expires = options.ttl === undefined ? undefined : row[options.ttl];
    return { state: 'done', ...(typeof expires === 'number' && { expiresAt: expires * 1000 }) };
  }
  const leaseToken = row[token];
  const leaseUntil = row[until];
  if (typeof leaseToken === 'string' && typeof leaseUntil === 'number') {
    return { state: 'in-progress', token: leaseToken, leaseUntil };
  }
  return undefined;
}

async function conditionally(
  client: DynamoDBClient,
  command: PutItemCommand | UpdateItemCommand,
  taken: LeaseTake & { claimed: true },
): Promise<LeaseTake> {
  try {
    await client.send(command as PutItemCommand);
    return taken;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const { Item } = error as ConditionalCheckFailedException;
    return { claimed: false, current: Item === undefined ? undefined : unmarshall(Item) };
  }
}

/** By name, not instanceof: the error may come from another copy of the SDK (or a test double). */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
