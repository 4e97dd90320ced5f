import { randomUUID } from 'node:crypto';
import {
  type ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { decideClaim } from '../../domain/lease';
import type { Translation, TranslationKey } from '../../domain/translation/model';
import { type ClaimOutcome, LeaseLostError, type TranslationStore } from '../../domain/translation/ports';
import { isConditionFailure, leaseHeldBy, leaseRecordOf, putWithLease, releaseLease } from './lease';
import { translationKey, translationPk, translationSkPrefix } from './table-design';
import {
  ANNOUNCED_AT,
  IN_PROGRESS,
  isOutcome,
  TRANSLATION_ENTITY,
  translationFromRecord,
} from './translation-records';

export interface DynamoTranslationStoreOptions {
  now?: () => number;
  newToken?: () => string;
}

/**
 * TranslationStore on the items table. A claim is the lease protocol of shared/domain/lease.ts:
 * one conditional put of an `in-progress` row with a lease, allowed only when no row exists or
 * the previous lease has run out; the outcome replaces it only while the lease token still
 * matches. Reads are strongly consistent, so a duplicate event that arrives right after a
 * translation sees it.
 */
export class DynamoTranslationStore implements TranslationStore {
  private readonly now: () => number;
  private readonly newToken: () => string;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    opts: DynamoTranslationStoreOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.newToken = opts.newToken ?? randomUUID;
  }

  async claim(key: TranslationKey, leaseMs: number): Promise<ClaimOutcome> {
    const nowMs = this.now();
    const take = await putWithLease(this.client, {
      tableName: this.tableName,
      key: translationKey(key),
      token: this.newToken(),
      nowMs,
      leaseMs,
      item: {
        entity: TRANSLATION_ENTITY,
        itemId: key.itemId,
        version: key.version,
        language: key.language,
        status: IN_PROGRESS,
      },
    });
    if (take.claimed) return { claimed: true, token: take.token };
    const existing = take.current;
    const decision = decideClaim(leaseRecordOf(existing, { done: isOutcome }), nowMs);
    if (decision.outcome === 'done' && existing !== undefined) {
      return {
        claimed: false,
        state: 'done',
        translation: translationFromRecord(existing),
        announced: typeof existing[ANNOUNCED_AT] === 'string',
      };
    }
    // 'claimable' here means the row changed under a clock step: busy for now, the retry claims it.
    return {
      claimed: false,
      state: 'busy',
      leaseUntil: decision.outcome === 'busy' ? decision.leaseUntil : nowMs,
    };
  }

  async complete(
    translation: Translation,
    token: string,
    { announce }: { announce: boolean },
  ): Promise<void> {
    const held = leaseHeldBy(token);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(
            {
              ...translationKey(translation),
              entity: TRANSLATION_ENTITY,
              ...translation,
              // With the outcome, in the same write: the stream publishes NewsItemTranslated from it.
              ...(announce ? { [ANNOUNCED_AT]: new Date(this.now()).toISOString() } : {}),
            },
            { removeUndefinedValues: true },
          ),
          ConditionExpression: `#status = :inProgress AND ${held.expression}`,
          ExpressionAttributeNames: { ...held.names, '#status': 'status' },
          ExpressionAttributeValues: marshall({ ...held.values, ':inProgress': IN_PROGRESS }),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new LeaseLostError(translation);
      throw error;
    }
  }

  async release(key: TranslationKey, token: string): Promise<void> {
    // Not ours any more (expired and taken over, or recorded): nothing to give up.
    await releaseLease(this.client, {
      tableName: this.tableName,
      key: translationKey(key),
      token,
      what: 'row',
    });
  }

  async announce(key: TranslationKey): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(translationKey(key)),
          UpdateExpression: 'SET #announcedAt = :now',
          // Once: the stream record that sets it is the event, so a second write must not happen.
          ConditionExpression:
            'attribute_exists(SK) AND #status <> :inProgress AND attribute_not_exists(#announcedAt)',
          ExpressionAttributeNames: { '#status': 'status', '#announcedAt': ANNOUNCED_AT },
          ExpressionAttributeValues: marshall({
            ':now': new Date(this.now()).toISOString(),
            ':inProgress': IN_PROGRESS,
          }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = error as ConditionalCheckFailedException;
      const current = Item === undefined ? undefined : unmarshall(Item);
      if (current !== undefined && isOutcome(current) && typeof current[ANNOUNCED_AT] === 'string') {
        return false;
      }
      throw new Error(`No recorded outcome to announce for ${key.itemId} v${key.version} ${key.language}`);
    }
  }

  async get(itemId: string, language: string): Promise<Translation | undefined> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        FilterExpression: '#status = :translated',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({
          ':pk': translationPk(itemId),
          ':prefix': `${translationSkPrefix(language)}V#`,
          ':translated': 'translated',
        }),
        // Newest version first: the first translated row is the answer.
        ScanIndexForward: false,
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      const first = page.Items?.[0];
      if (first) return translationFromRecord(unmarshall(first));
    }
    return undefined;
  }

  async getVersion(itemId: string, version: number, language: string): Promise<Translation | undefined> {
    if (!Number.isSafeInteger(version) || version < 1) return undefined;
    const record = await this.read({ itemId, version, language });
    return record === undefined || record.status === IN_PROGRESS ? undefined : translationFromRecord(record);
  }

  /** The completed translations of one version, every language (a few rows: one item's partition). */
  async translatedOf(itemId: string, version: number): Promise<Translation[]> {
    const found: Translation[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk',
        FilterExpression: '#status = :translated AND #version = :version',
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
        ExpressionAttributeValues: marshall({
          ':pk': translationPk(itemId),
          ':translated': 'translated',
          ':version': version,
        }),
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) found.push(translationFromRecord(unmarshall(item)));
    }
    return found;
  }

  private async read(key: TranslationKey): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(translationKey(key)),
        ConsistentRead: true,
      }),
    );
    return Item === undefined ? undefined : unmarshall(Item);
  }
}
