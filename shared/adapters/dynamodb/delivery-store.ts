import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Delivery, DeliveryAttempt, DeliveryStatus } from '../../domain/webhooks/model';
import type { DeliveryStore, Page } from '../../domain/webhooks/ports';
import { isConditionFailure, LEASE_ATTRIBUTES, leaseHeldBy, takeLease } from './lease';
import {
  DELIVERY_SK,
  deliveryKey,
  deliveryPk,
  PAYLOAD_SK,
  payloadKey,
  subscriptionDeliveriesGsi1Pk,
} from './table-design';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, transactWrite } from './transactions';
import { pageOfIndex, pick, queryPartition } from './webhooks-table';

/**
 * DeliveryStore on the webhooks table (keys in table-design.ts, design in docs/webhooks.md): the
 * delivery row with its attempts, listed per subscription by GSI1, and its payload row. Each
 * attempt is leased to one worker with the lease protocol of shared/domain/lease.ts.
 */

/** Attempts kept per delivery (redeliveries add sequences); the oldest are dropped beyond it. */
const MAX_ATTEMPTS_KEPT = 50;
export const DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;

export class DynamoDeliveryStore implements DeliveryStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

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
                  GSI1PK: subscriptionDeliveriesGsi1Pk(delivery.subscriptionId),
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
                ...payloadKey(delivery.deliveryId),
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
    const rows = await queryPartition(this.client, this.tableName, deliveryPk(deliveryId));
    const delivery = rows.find((row) => row.SK === DELIVERY_SK);
    const payload = rows.find((row) => row.SK === PAYLOAD_SK);
    if (!delivery || typeof payload?.payload !== 'string') return undefined;
    return { delivery: toDelivery(delivery), payload: payload.payload };
  }

  listDeliveries(subscriptionId: string, page: { limit: number; cursor?: string }): Promise<Page<Delivery>> {
    return this.pageOf(subscriptionId, page);
  }

  listDeliveriesSince(
    subscriptionId: string,
    since: string,
    page: { limit: number; cursor?: string },
  ): Promise<Page<Delivery>> {
    return this.pageOf(subscriptionId, page, since);
  }

  private pageOf(subscriptionId: string, page: { limit: number; cursor?: string }, since?: string) {
    const gsi1pk = subscriptionDeliveriesGsi1Pk(subscriptionId);
    return pageOfIndex(this.client, this.tableName, gsi1pk, page, toDelivery, since);
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
    nowMs: number,
    leaseMs: number,
  ): Promise<string | undefined> {
    const take = await takeLease(this.client, {
      tableName: this.tableName,
      key: deliveryKey(deliveryId),
      token: randomUUID(),
      nowMs,
      leaseMs,
      // Only the attempt the delivery waits for, in its current sequence.
      precondition: {
        expression: '#status = :pending AND #sequence = :sequence AND nextAttempt = :attempt',
        names: { '#status': 'status', '#sequence': 'sequence' },
        values: { ':pending': 'pending', ':sequence': sequence, ':attempt': attempt },
      },
    });
    return take.claimed ? take.token : undefined;
  }

  async recordAttempt(
    deliveryId: string,
    record: DeliveryAttempt,
    next: { status: DeliveryStatus; nextAttemptAt?: string; finishedAt?: string; reason?: string },
    token: string,
  ): Promise<boolean> {
    const held = leaseHeldBy(token);
    const existing = await this.getDelivery(deliveryId);
    if (!existing) return false;
    const attempts = [...existing.attempts, record].slice(-MAX_ATTEMPTS_KEPT);
    const sets = ['attempts = :attempts', '#status = :status', 'nextAttempt = :next', 'lastAttemptAt = :at'];
    const values: Record<string, unknown> = {
      ':attempts': attempts,
      ':status': next.status,
      ':next': record.attempt + 1,
      ':at': record.at,
      ...held.values,
      ':sequence': record.sequence,
      ':attempt': record.attempt,
    };
    const removes = ['#leaseToken', '#leaseUntil'];
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
          // Only the worker holding the lease records, and only for the attempt it made.
          ConditionExpression: `${held.expression} AND #sequence = :sequence AND nextAttempt = :attempt`,
          ExpressionAttributeNames: {
            ...held.names,
            '#leaseUntil': LEASE_ATTRIBUTES.until,
            '#status': 'status',
            '#sequence': 'sequence',
          },
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
          'REMOVE enqueuedAttempt, finishedAt, reason, #leaseToken, #leaseUntil',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: {
          '#sequence': 'sequence',
          '#status': 'status',
          '#leaseToken': LEASE_ATTRIBUTES.token,
          '#leaseUntil': LEASE_ATTRIBUTES.until,
        },
        ExpressionAttributeValues: marshall({ ':one': 1, ':pending': 'pending', ':at': at }),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return (Attributes && unmarshall(Attributes).sequence) as number;
  }

  private async ignoringConditionFailure(command: UpdateItemCommand): Promise<void> {
    try {
      await this.client.send(command);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
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
