import {
  type DynamoDBClient,
  GetItemCommand,
  paginateQuery,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  SigningSecret,
  Subscription,
  SubscriptionMatch,
  WebhookEventType,
} from '../../domain/webhooks/model';
import type { Page, SubscriptionStore } from '../../domain/webhooks/ports';
import { isConditionFailure } from './lease';
import {
  ALL_PARTNERS,
  matchKey,
  matchPk,
  partnerSubscriptionsGsi1Pk,
  SECRET_SK,
  SUBSCRIPTION_SK,
  secretKey,
  subscriptionCounterKey,
  subscriptionKey,
  subscriptionPk,
  type TableKey,
} from './table-design';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, transactWrite } from './transactions';
import { pageOfIndex, pick, queryPartition } from './webhooks-table';

/**
 * SubscriptionStore on the webhooks table (keys in table-design.ts, design in docs/webhooks.md):
 * the subscription row, its secrets row, the partner's subscription counter and one match row per
 * event type and audience partner. Rows that belong together change in one transaction.
 * Undefined optional fields are left out of the rows.
 */

function matchKeys(subscription: Subscription): TableKey[] {
  const audience = subscription.filter.partners ?? [ALL_PARTNERS];
  return subscription.eventTypes.flatMap((type) =>
    audience.map((partner) => matchKey(type, partner, subscription.subscriptionId)),
  );
}

/** One Put per match row: what the fan-out queries to find the subscription. */
function matchRowPuts(TableName: string, subscription: Subscription) {
  const { languages, places } = subscription.filter;
  return matchKeys(subscription).map((key) => ({
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
  }));
}

export class DynamoSubscriptionStore implements SubscriptionStore {
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
    const outcome = await transactWrite(
      this.client,
      {
        TransactItems: [
          {
            Update: {
              TableName,
              Key: marshall(subscriptionCounterKey(subscription.partnerId)),
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
                  ...subscriptionKey(subscription.subscriptionId),
                  entity: 'Subscription',
                  GSI1PK: partnerSubscriptionsGsi1Pk(subscription.partnerId),
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
          ...matchRowPuts(TableName, subscription),
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
        Key: marshall(subscriptionKey(subscriptionId)),
        ConsistentRead: true,
      }),
    );
    return Item ? toSubscription(unmarshall(Item)) : undefined;
  }

  async getSubscriptionWithSecrets(
    subscriptionId: string,
  ): Promise<{ subscription: Subscription; secrets: SigningSecret[] } | undefined> {
    // One Query reads both rows of the partition.
    const rows = await queryPartition(this.client, this.tableName, subscriptionPk(subscriptionId));
    const sub = rows.find((row) => row.SK === SUBSCRIPTION_SK);
    const secrets = rows.find((row) => row.SK === SECRET_SK);
    if (!sub || !secrets) return undefined;
    return { subscription: toSubscription(sub), secrets: secrets.secrets as SigningSecret[] };
  }

  listSubscriptions(
    partnerId: string,
    page: { limit: number; cursor?: string },
  ): Promise<Page<Subscription>> {
    return pageOfIndex(
      this.client,
      this.tableName,
      partnerSubscriptionsGsi1Pk(partnerId),
      page,
      toSubscription,
    );
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
              Key: marshall(subscriptionKey(subscription.subscriptionId)),
              ConditionExpression: 'attribute_exists(PK)',
            },
          },
          { Delete: { TableName, Key: marshall(secretKey(subscription.subscriptionId)) } },
          {
            Update: {
              TableName,
              Key: marshall(subscriptionCounterKey(subscription.partnerId)),
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

  async enableSubscription(subscription: Subscription, at: string): Promise<boolean> {
    const TableName = this.tableName;
    const outcome = await transactWrite(
      this.client,
      {
        TransactItems: [
          {
            Update: {
              TableName,
              Key: marshall(subscriptionKey(subscription.subscriptionId)),
              ConditionExpression: '#status = :disabled',
              UpdateExpression:
                'SET #status = :active, updatedAt = :at REMOVE disabledReason, disabledAt, failingSince',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: marshall({
                ':active': 'active',
                ':disabled': 'disabled',
                ':at': at,
              }),
            },
          },
          // The match rows exactly as createSubscription writes them: the fan-out finds it again.
          ...matchRowPuts(TableName, subscription),
        ],
      },
      this.retryPolicy,
    );
    // A failed condition: already active, or deleted meanwhile.
    return outcome.committed;
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
              Key: marshall(subscriptionKey(subscription.subscriptionId)),
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
          Key: marshall(subscriptionKey(subscriptionId)),
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
        Key: marshall(subscriptionKey(subscriptionId)),
        UpdateExpression: 'REMOVE failingSince',
        // ISO-8601 UTC strings compare in time order.
        ConditionExpression: 'failingSince <= :succeededAt',
        ExpressionAttributeValues: marshall({ ':succeededAt': succeededAt }),
      }),
    );
  }

  async findMatches(eventType: WebhookEventType, partnerId: string): Promise<SubscriptionMatch[]> {
    // The partner's own audience and everyone's, read side by side (one round trip of latency, not two).
    const audiences = await Promise.all(
      [partnerId, ALL_PARTNERS].map((audience) => this.matchesOf(matchPk(eventType, audience))),
    );
    const byId = new Map<string, SubscriptionMatch>();
    for (const match of audiences.flat()) byId.set(match.subscriptionId, match);
    return [...byId.values()];
  }

  private async matchesOf(pk: string): Promise<SubscriptionMatch[]> {
    const matches: SubscriptionMatch[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: marshall({ ':pk': pk }),
      },
    );
    for await (const page of pages) {
      for (const item of (page.Items ?? []).map((attributes) => unmarshall(attributes))) {
        matches.push({
          subscriptionId: item.subscriptionId as string,
          partnerId: item.partnerId as string,
          ...(item.languages && { languages: item.languages as string[] }),
          ...(item.places && { places: item.places as string[] }),
        });
      }
    }
    return matches;
  }

  private async ignoringConditionFailure(command: UpdateItemCommand): Promise<void> {
    try {
      await this.client.send(command);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

const SUBSCRIPTION_FIELDS = [
  'subscriptionId',
  'partnerId',
  'url',
  'eventTypes',
  'filter',
  'description',
  'maxDeliveriesPerSecond',
  'status',
  'disabledReason',
  'disabledAt',
  'failingSince',
  'createdAt',
  'updatedAt',
] as const;

function toSubscription(record: Record<string, unknown>): Subscription {
  if (typeof record.subscriptionId !== 'string' || typeof record.partnerId !== 'string') {
    throw new Error('Malformed Subscription record');
  }
  return pick<Subscription>(record, SUBSCRIPTION_FIELDS);
}
