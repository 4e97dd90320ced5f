import { randomUUID } from 'node:crypto';
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { decideClaim, leaseExpiry } from '../../domain/lease';
import type { TranslatedText, Translation, TranslationKey } from '../../domain/translation/model';
import {
  type ClaimOutcome,
  LeaseLostError,
  type PublishClaim,
  type TranslationStore,
} from '../../domain/translation/ports';
import {
  isConditionFailure,
  type LeaseAttributes,
  leaseHeldBy,
  leaseRecordOf,
  putWithLease,
  releaseLease,
  takeLease,
} from './lease';
import { translationKey, translationPk, translationSkPrefix } from './table-design';

/**
 * Translations live in the items table in a partition of their own per item (see docs/translation.md):
 * PK `TRANSLATION#<itemId>`, SK `TR#<language>#V#<version, 9 digits>`. The outbox publishes only
 * `ITEM#` partitions, and the translator's role may write nothing else than `TRANSLATION#` ones.
 */
export const TRANSLATION_ENTITY = 'ItemTranslation';
const IN_PROGRESS = 'in-progress';

/** A recorded outcome (translated or skipped), as opposed to a claim in progress. */
function isOutcome(row: Record<string, unknown>): boolean {
  return row.status !== IN_PROGRESS;
}

export class MalformedTranslationRecordError extends Error {
  constructor(detail: string) {
    super(`Malformed ${TRANSLATION_ENTITY} record: ${detail}`);
    this.name = 'MalformedTranslationRecordError';
  }
}

function texts(value: unknown, name: string): TranslatedText[] {
  if (!Array.isArray(value)) throw new MalformedTranslationRecordError(`${name} must be a list`);
  return value.map((entry) => {
    const { role, contenttype, value: text } = (entry ?? {}) as Record<string, unknown>;
    if (typeof text !== 'string')
      throw new MalformedTranslationRecordError(`${name}[].value must be a string`);
    return {
      ...(typeof role === 'string' ? { role } : {}),
      ...(typeof contenttype === 'string' ? { contenttype } : {}),
      value: text,
    };
  });
}

export function translationFromRecord(record: Record<string, unknown>): Translation {
  const string = (name: string): string => {
    const value = record[name];
    if (typeof value !== 'string') throw new MalformedTranslationRecordError(`${name} must be a string`);
    return value;
  };
  const number = (name: string): number => {
    const value = record[name];
    if (typeof value !== 'number') throw new MalformedTranslationRecordError(`${name} must be a number`);
    return value;
  };
  const status = string('status');
  if (status !== 'translated' && status !== 'skipped') {
    throw new MalformedTranslationRecordError(`status ${status} is not an outcome`);
  }
  const provider = string('provider');
  if (provider !== 'aws' && provider !== 'none') {
    throw new MalformedTranslationRecordError(`provider ${provider} is unknown`);
  }
  return {
    itemId: string('itemId'),
    version: number('version'),
    partnerId: string('partnerId'),
    uri: string('uri'),
    language: string('language'),
    sourceLanguage: string('sourceLanguage'),
    provider,
    status,
    ...(typeof record.reason === 'string' ? { reason: record.reason } : {}),
    headlines: texts(record.headlines, 'headlines'),
    bodies: texts(record.bodies, 'bodies'),
    charactersBilled: number('charactersBilled'),
    translatedAt: string('translatedAt'),
  };
}

export interface DynamoTranslationStoreOptions {
  now?: () => number;
  newToken?: () => string;
}

/** The right to publish a recorded outcome's event: a second lease on the same row. */
const PUBLISH_LEASE: LeaseAttributes = { token: 'publishToken', until: 'publishLeaseUntil' };

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
        published: typeof existing.publishedAt === 'string',
      };
    }
    // 'claimable' here means the row changed under a clock step: busy for now, the retry claims it.
    return {
      claimed: false,
      state: 'busy',
      leaseUntil: decision.outcome === 'busy' ? decision.leaseUntil : nowMs,
    };
  }

  async complete(translation: Translation, token: string, publishLeaseMs: number): Promise<void> {
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
              // The recorder holds the right to publish the outcome's event (see claimPublish).
              [PUBLISH_LEASE.token]: token,
              [PUBLISH_LEASE.until]: leaseExpiry(this.now(), publishLeaseMs),
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

  async claimPublish(key: TranslationKey, leaseMs: number): Promise<PublishClaim> {
    const nowMs = this.now();
    const take = await takeLease(this.client, {
      tableName: this.tableName,
      key: translationKey(key),
      token: this.newToken(),
      nowMs,
      leaseMs,
      attributes: PUBLISH_LEASE,
      precondition: {
        expression: '#status <> :inProgress AND attribute_not_exists(publishedAt)',
        names: { '#status': 'status' },
        values: { ':inProgress': IN_PROGRESS },
      },
    });
    if (take.claimed) return { claimed: true, token: take.token };
    const existing = take.current;
    if (existing === undefined || !isOutcome(existing)) {
      throw new Error(`No recorded outcome to publish for ${key.itemId} v${key.version} ${key.language}`);
    }
    const decision = decideClaim(
      leaseRecordOf(existing, {
        done: (row) => typeof row.publishedAt === 'string',
        attributes: PUBLISH_LEASE,
      }),
      nowMs,
    );
    if (decision.outcome === 'done') return { claimed: false, published: true };
    // 'claimable': lost a race with a holder that has just released; busy, so the event is retried.
    return {
      claimed: false,
      published: false,
      leaseUntil: decision.outcome === 'busy' ? decision.leaseUntil : nowMs,
    };
  }

  async releasePublish(key: TranslationKey, token: string): Promise<void> {
    // Taken over after our lease ran out: nothing to give up.
    await releaseLease(this.client, {
      tableName: this.tableName,
      key: translationKey(key),
      token,
      what: 'lease',
      attributes: PUBLISH_LEASE,
    });
  }

  async markPublished(key: TranslationKey): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(translationKey(key)),
        UpdateExpression: 'SET publishedAt = :now',
        ConditionExpression: 'attribute_exists(SK) AND #status <> :inProgress',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({
          ':now': new Date(this.now()).toISOString(),
          ':inProgress': IN_PROGRESS,
        }),
      }),
    );
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
