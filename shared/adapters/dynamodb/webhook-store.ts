import {
  type DynamoDBClient,
  GetItemCommand,
  paginateQuery,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  Delivery,
  DeliveryAttempt,
  DeliveryStatus,
  SigningSecret,
  Subscription,
  SubscriptionMatch,
  WebhookEventType,
} from '../../domain/webhooks/model';
import { InvalidCursorError, type Page, type WebhookStore } from '../../domain/webhooks/ports';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, transactWrite } from './transactions';

/**
 * WebhookStore on the webhooks table (design in docs/webhooks.md):
 * - subscription `SUB#<id>` / `SUB`, listed per partner by GSI1 (`PARTNER#<pid>#SUBS`, `<createdAt>#<id>`);
 * - secrets      `SUB#<id>` / `SECRET` (no GSI keys: never in the index, never read by listings);
 * - counter      `PARTNER#<pid>` / `SUBSCRIPTIONS` (caps subscriptions per partner);
 * - match rows   `MATCH#<eventType>#<partnerId or *>` / `SUB#<id>`: one per event type and audience
 *   partner of an ACTIVE subscription, so the fan-out finds its subscribers with two Queries;
 * - delivery     `DLV#<deliveryId>` / `DELIVERY` with its attempts, listed per subscription by GSI1
 *   (`SUB#<id>#DLV`, `<createdAt>#<deliveryId>`); payload `DLV#<deliveryId>` / `PAYLOAD`.
 * Rows that belong together change in one transaction.
 * Undefined optional fields are left out of the rows.
 */

const SUB_SK = 'SUB';
const SECRET_SK = 'SECRET';
const DELIVERY_SK = 'DELIVERY';
const PAYLOAD_SK = 'PAYLOAD';
const ALL_PARTNERS = '*';
/** Attempts kept per delivery (redeliveries add sequences); the oldest are dropped beyond it. */
const MAX_ATTEMPTS_KEPT = 50;
export const DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;

const subKey = (id: string) => ({ PK: `SUB#${id}`, SK: SUB_SK });
const secretKey = (id: string) => ({ PK: `SUB#${id}`, SK: SECRET_SK });
const counterKey = (partnerId: string) => ({ PK: `PARTNER#${partnerId}`, SK: 'SUBSCRIPTIONS' });
const matchPk = (eventType: string, partner: string) => `MATCH#${eventType}#${partner}`;
const deliveryKey = (id: string) => ({ PK: `DLV#${id}`, SK: DELIVERY_SK });
const partnerSubsGsi1Pk = (partnerId: string) => `PARTNER#${partnerId}#SUBS`;
const subDeliveriesGsi1Pk = (subscriptionId: string) => `SUB#${subscriptionId}#DLV`;

function matchKeys(subscription: Subscription): { PK: string; SK: string }[] {
  const audience = subscription.filter.partners ?? [ALL_PARTNERS];
  return subscription.eventTypes.flatMap((type) =>
    audience.map((partner) => ({ PK: matchPk(type, partner), SK: `SUB#${subscription.subscriptionId}` })),
  );
}

export class DynamoWebhookStore implements WebhookStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  async createSubscription(
    subscription: Subscription,
    secret: SigningSecret,
    maxPerPartner: number,
  ): Promise<boolean> {
    const TableName = this.tableName;
    const notExists = 'attribute_not_exists(PK)';
    const { languages, places } = subscription.filter;
    const outcome = await transactWrite(
      this.client,
      {
        TransactItems: [
          {
            Update: {
              TableName,
              Key: marshall(counterKey(subscription.partnerId)),
              UpdateExpression: 'ADD subscriptionCount :one',
              ConditionExpression: 'attribute_not_exists(subscriptionCount) OR subscriptionCount < :max',
              ExpressionAttributeValues: marshall({ ':one': 1, ':max': maxPerPartner }),
            },
          },
          {
            Put: {
              TableName,
              ConditionExpression: notExists,
              Item: marshall(
                {
                  ...subKey(subscription.subscriptionId),
                  entity: 'Subscription',
                  GSI1PK: partnerSubsGsi1Pk(subscription.partnerId),
                  GSI1SK: `${subscription.createdAt}#${subscription.subscriptionId}`,
                  ...subscription,
                },
                { removeUndefinedValues: true },
              ),
            },
          },
          {
            Put: {
              TableName,
              ConditionExpression: notExists,
              Item: marshall(
                {
                  ...secretKey(subscription.subscriptionId),
                  entity: 'SubscriptionSecrets',
                  secrets: [secret],
                },
                { removeUndefinedValues: true },
              ),
            },
          },
          ...matchKeys(subscription).map((key) => ({
            Put: {
              TableName,
              Item: marshall({
                ...key,
                entity: 'SubscriptionMatch',
                subscriptionId: subscription.subscriptionId,
                partnerId: subscription.partnerId,
                ...(languages && { languages }),
                ...(places && { places }),
              }),
            },
          })),
        ],
      },
      this.retryPolicy,
    );
    if (outcome.committed) return true;
    if (outcome.conditionFailed[0]) return false;
    throw new Error(`Subscription id ${subscription.subscriptionId} already exists`);
  }

  async getSubscription(subscriptionId: string): Promise<Subscription | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(subKey(subscriptionId)),
        ConsistentRead: true,
      }),
    );
    return Item ? toSubscription(unmarshall(Item)) : undefined;
  }

  async getSubscriptionWithSecrets(
    subscriptionId: string,
  ): Promise<{ subscription: Subscription; secrets: SigningSecret[] } | undefined> {
    // One Query reads both rows of the partition.
    const rows = await this.queryPartition(`SUB#${subscriptionId}`);
    const sub = rows.find((row) => row.SK === SUB_SK);
    const secrets = rows.find((row) => row.SK === SECRET_SK);
    if (!sub || !secrets) return undefined;
    return { subscription: toSubscription(sub), secrets: secrets.secrets as SigningSecret[] };
  }

  listSubscriptions(
    partnerId: string,
    page: { limit: number; cursor?: string },
  ): Promise<Page<Subscription>> {
    return this.pageOfIndex(partnerSubsGsi1Pk(partnerId), page, toSubscription);
  }

  async deleteSubscription(subscription: Subscription): Promise<void> {
    const TableName = this.tableName;
    const outcome = await transactWrite(
      this.client,
      {
        TransactItems: [
          {
            Delete: {
              TableName,
              Key: marshall(subKey(subscription.subscriptionId)),
              ConditionExpression: 'attribute_exists(PK)',
            },
          },
          { Delete: { TableName, Key: marshall(secretKey(subscription.subscriptionId)) } },
          {
            Update: {
              TableName,
              Key: marshall(counterKey(subscription.partnerId)),
              UpdateExpression: 'ADD subscriptionCount :minusOne',
              ExpressionAttributeValues: marshall({ ':minusOne': -1 }),
            },
          },
          // Disabled subscriptions have no match rows; deleting absent rows is harmless.
          ...matchKeys(subscription).map((key) => ({ Delete: { TableName, Key: marshall(key) } })),
        ],
      },
      this.retryPolicy,
    );
    // Lost a race with another DELETE: it is gone either way.
    if (!outcome.committed) return;
  }

  async replaceSecrets(
    subscriptionId: string,
    expected: SigningSecret[],
    next: SigningSecret[],
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(secretKey(subscriptionId)),
          UpdateExpression: 'SET secrets = :next',
          ConditionExpression: 'secrets = :expected',
          ExpressionAttributeValues: marshall(
            { ':next': next, ':expected': expected },
            { removeUndefinedValues: true },
          ),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async disableSubscription(subscription: Subscription, reason: string, at: string): Promise<void> {
    const TableName = this.tableName;
    await transactWrite(
      this.client,
      {
        TransactItems: [
          {
            Update: {
              TableName,
              Key: marshall(subKey(subscription.subscriptionId)),
              ConditionExpression: '#status = :active',
              UpdateExpression:
                'SET #status = :disabled, disabledReason = :reason, disabledAt = :at, updatedAt = :at',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: marshall({
                ':active': 'active',
                ':disabled': 'disabled',
                ':reason': reason,
                ':at': at,
              }),
            },
          },
          ...matchKeys(subscription).map((key) => ({ Delete: { TableName, Key: marshall(key) } })),
        ],
      },
      this.retryPolicy,
    );
    // A failed condition means it was disabled or deleted meanwhile: nothing left to do.
  }

  async markFailing(subscriptionId: string, at: string): Promise<string | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(subKey(subscriptionId)),
          UpdateExpression: 'SET failingSince = if_not_exists(failingSince, :at)',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: marshall({ ':at': at }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      const failingSince = Attributes && unmarshall(Attributes).failingSince;
      return typeof failingSince === 'string' ? failingSince : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async clearFailing(subscriptionId: string, succeededAt: string): Promise<void> {
    await this.ignoringConditionFailure(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(subKey(subscriptionId)),
        UpdateExpression: 'REMOVE failingSince',
        // ISO-8601 UTC strings compare in time order.
        ConditionExpression: 'failingSince <= :succeededAt',
        ExpressionAttributeValues: marshall({ ':succeededAt': succeededAt }),
      }),
    );
  }

  async findMatches(eventType: WebhookEventType, partnerId: string): Promise<SubscriptionMatch[]> {
    const byId = new Map<string, SubscriptionMatch>();
    for (const audience of [partnerId, ALL_PARTNERS]) {
      const pages = paginateQuery(
        { client: this.client },
        {
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: marshall({ ':pk': matchPk(eventType, audience) }),
        },
      );
      for await (const page of pages) {
        for (const item of (page.Items ?? []).map((attributes) => unmarshall(attributes))) {
          byId.set(item.subscriptionId as string, {
            subscriptionId: item.subscriptionId as string,
            partnerId: item.partnerId as string,
            ...(item.languages && { languages: item.languages as string[] }),
            ...(item.places && { places: item.places as string[] }),
          });
        }
      }
    }
    return [...byId.values()];
  }

  async createDelivery(
    delivery: Delivery,
    payload: string,
  ): Promise<{ created: true } | { created: false; existing: Delivery }> {
    const expiresAt = Math.floor(Date.parse(delivery.createdAt) / 1000) + DELIVERY_RETENTION_SECONDS;
    const outcome = await transactWrite(
      this.client,
      {
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              ConditionExpression: 'attribute_not_exists(PK)',
              Item: marshall(
                {
                  ...deliveryKey(delivery.deliveryId),
                  entity: 'Delivery',
                  GSI1PK: subDeliveriesGsi1Pk(delivery.subscriptionId),
                  GSI1SK: `${delivery.createdAt}#${delivery.deliveryId}`,
                  expiresAt,
                  ...delivery,
                },
                { removeUndefinedValues: true },
              ),
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: marshall({
                PK: `DLV#${delivery.deliveryId}`,
                SK: PAYLOAD_SK,
                entity: 'DeliveryPayload',
                payload,
                expiresAt,
              }),
            },
          },
        ],
      },
      this.retryPolicy,
    );
    if (outcome.committed) return { created: true };
    const existing = await this.getDelivery(delivery.deliveryId);
    if (!existing) throw new Error(`Delivery ${delivery.deliveryId} exists but cannot be read`);
    return { created: false, existing };
  }

  async getDelivery(deliveryId: string): Promise<Delivery | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(deliveryKey(deliveryId)),
        ConsistentRead: true,
      }),
    );
    return Item ? toDelivery(unmarshall(Item)) : undefined;
  }

  async getDeliveryWithPayload(
    deliveryId: string,
  ): Promise<{ delivery: Delivery; payload: string } | undefined> {
    const rows = await this.queryPartition(`DLV#${deliveryId}`);
    const delivery = rows.find((row) => row.SK === DELIVERY_SK);
    const payload = rows.find((row) => row.SK === PAYLOAD_SK);
    if (!delivery || typeof payload?.payload !== 'string') return undefined;
    return { delivery: toDelivery(delivery), payload: payload.payload };
  }

  listDeliveries(subscriptionId: string, page: { limit: number; cursor?: string }): Promise<Page<Delivery>> {
    return this.pageOfIndex(subDeliveriesGsi1Pk(subscriptionId), page, toDelivery);
  }

  async markEnqueued(deliveryId: string, sequence: number, attempt: number): Promise<void> {
    await this.ignoringConditionFailure(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(deliveryKey(deliveryId)),
        UpdateExpression: 'SET enqueuedAttempt = :attempt',
        ConditionExpression: '#sequence = :sequence AND nextAttempt = :attempt',
        ExpressionAttributeNames: { '#sequence': 'sequence' },
        ExpressionAttributeValues: marshall({ ':sequence': sequence, ':attempt': attempt }),
      }),
    );
  }

  async claimAttempt(
    deliveryId: string,
    sequence: number,
    attempt: number,
    now: number,
    leaseUntil: number,
  ): Promise<boolean> {
    const claim = `${sequence}:${attempt}`;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(deliveryKey(deliveryId)),
          UpdateExpression: 'SET claimedAttempt = :claim, claimUntil = :until',
          ConditionExpression:
            '#status = :pending AND #sequence = :sequence AND nextAttempt = :attempt AND ' +
            '(attribute_not_exists(claimedAttempt) OR claimedAttempt <> :claim OR claimUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status', '#sequence': 'sequence' },
          ExpressionAttributeValues: marshall({
            ':pending': 'pending',
            ':sequence': sequence,
            ':attempt': attempt,
            ':claim': claim,
            ':until': leaseUntil,
            ':now': now,
          }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async recordAttempt(
    deliveryId: string,
    record: DeliveryAttempt,
    next: { status: DeliveryStatus; nextAttemptAt?: string; finishedAt?: string; reason?: string },
  ): Promise<boolean> {
    const existing = await this.getDelivery(deliveryId);
    if (!existing) return false;
    const attempts = [...existing.attempts, record].slice(-MAX_ATTEMPTS_KEPT);
    const sets = ['attempts = :attempts', '#status = :status', 'nextAttempt = :next', 'lastAttemptAt = :at'];
    const values: Record<string, unknown> = {
      ':attempts': attempts,
      ':status': next.status,
      ':next': record.attempt + 1,
      ':at': record.at,
      ':claim': `${record.sequence}:${record.attempt}`,
      ':sequence': record.sequence,
      ':attempt': record.attempt,
    };
    const removes = ['claimedAttempt', 'claimUntil'];
    for (const [name, value] of [
      ['nextAttemptAt', next.nextAttemptAt],
      ['finishedAt', next.finishedAt],
      ['reason', next.reason],
    ] as const) {
      if (value === undefined) removes.push(name);
      else {
        sets.push(`${name} = :${name}`);
        values[`:${name}`] = value;
      }
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(deliveryKey(deliveryId)),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
          // Only the worker holding the claim records, and only for the attempt it made.
          ConditionExpression: 'claimedAttempt = :claim AND #sequence = :sequence AND nextAttempt = :attempt',
          ExpressionAttributeNames: { '#status': 'status', '#sequence': 'sequence' },
          ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async cancelDelivery(deliveryId: string, sequence: number, reason: string, at: string): Promise<void> {
    await this.ignoringConditionFailure(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(deliveryKey(deliveryId)),
        UpdateExpression: 'SET #status = :cancelled, reason = :reason, finishedAt = :at REMOVE nextAttemptAt',
        ConditionExpression: '#status = :pending AND #sequence = :sequence',
        ExpressionAttributeNames: { '#status': 'status', '#sequence': 'sequence' },
        ExpressionAttributeValues: marshall({
          ':cancelled': 'cancelled',
          ':pending': 'pending',
          ':reason': reason,
          ':at': at,
          ':sequence': sequence,
        }),
      }),
    );
  }

  async restartDelivery(deliveryId: string, at: string): Promise<number> {
    const { Attributes } = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(deliveryKey(deliveryId)),
        UpdateExpression:
          'SET #sequence = #sequence + :one, #status = :pending, nextAttempt = :one, nextAttemptAt = :at ' +
          'REMOVE enqueuedAttempt, finishedAt, reason, claimedAttempt, claimUntil',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#sequence': 'sequence', '#status': 'status' },
        ExpressionAttributeValues: marshall({ ':one': 1, ':pending': 'pending', ':at': at }),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return (Attributes && unmarshall(Attributes).sequence) as number;
  }

  private async pageOfIndex<T>(
    gsi1pk: string,
    page: { limit: number; cursor?: string },
    map: (item: Record<string, unknown>) => T,
  ): Promise<Page<T>> {
    const input: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: marshall({ ':pk': gsi1pk }),
      ScanIndexForward: false,
      Limit: page.limit,
    };
    if (page.cursor !== undefined) input.ExclusiveStartKey = marshall(decodeCursor(page.cursor, gsi1pk));
    const { Items = [], LastEvaluatedKey } = await this.client.send(new QueryCommand(input));
    return {
      items: Items.map((item) => map(unmarshall(item))),
      // The cursor is the plain (unmarshalled) key as JSON: the format partners have always seen.
      ...(LastEvaluatedKey && { cursor: encodeCursor(unmarshall(LastEvaluatedKey)) }),
    };
  }

  /** The rows of a two-row partition (subscription + secrets, delivery + payload): one strongly consistent Query. */
  private async queryPartition(pk: string): Promise<Record<string, unknown>[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: marshall({ ':pk': pk }),
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => unmarshall(item));
  }

  private async ignoringConditionFailure(command: UpdateItemCommand): Promise<void> {
    try {
      await this.client.send(command);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
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

const SUBSCRIPTION_FIELDS = [
  'subscriptionId',
  'partnerId',
  'url',
  'eventTypes',
  'filter',
  'description',
  'status',
  'disabledReason',
  'disabledAt',
  'failingSince',
  'createdAt',
  'updatedAt',
] as const;

function pick<T>(record: Record<string, unknown>, fields: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const field of fields) if (record[field] !== undefined) out[field] = record[field];
  return out as T;
}

function toSubscription(record: Record<string, unknown>): Subscription {
  if (typeof record.subscriptionId !== 'string' || typeof record.partnerId !== 'string') {
    throw new Error('Malformed Subscription record');
  }
  return pick<Subscription>(record, SUBSCRIPTION_FIELDS);
}

const DELIVERY_FIELDS = [
  'deliveryId',
  'subscriptionId',
  'partnerId',
  'eventId',
  'eventType',
  'createdAt',
  'status',
  'sequence',
  'nextAttempt',
  'nextAttemptAt',
  'enqueuedAttempt',
  'finishedAt',
  'reason',
  'attempts',
] as const;

function toDelivery(record: Record<string, unknown>): Delivery {
  if (typeof record.deliveryId !== 'string' || !Array.isArray(record.attempts)) {
    throw new Error('Malformed Delivery record');
  }
  return pick<Delivery>(record, DELIVERY_FIELDS);
}
