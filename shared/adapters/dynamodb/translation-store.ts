import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { TranslatedText, Translation, TranslationKey } from '../../domain/translation/model';
import {
  type ClaimOutcome,
  LeaseLostError,
  type PublishClaim,
  type TranslationStore,
} from '../../domain/translation/ports';
import { type TableKey, translationPk, versionSk } from './table-design';

/**
 * Translations live in the items table in a partition of their own per item (see docs/translation.md):
 * PK `TRANSLATION#<itemId>`, SK `TR#<language>#V#<version, 9 digits>`. The outbox publishes only
 * `ITEM#` partitions, and the translator's role may write nothing else than `TRANSLATION#` ones.
 */
export const TRANSLATION_ENTITY = 'ItemTranslation';
const IN_PROGRESS = 'in-progress';

export function translationSkPrefix(language: string): string {
  return `TR#${language}#`;
}

export function translationKey(key: TranslationKey): TableKey {
  return {
    PK: translationPk(key.itemId),
    SK: `${translationSkPrefix(key.language)}${versionSk(key.version)}`,
  };
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

/**
 * TranslationStore on the items table. A claim is a conditional put of an `in-progress` row with
 * a lease, allowed only when no row exists or the previous lease has run out; the outcome
 * replaces it only while the claim token still matches. Reads are strongly consistent, so a
 * duplicate event that arrives right after a translation sees it.
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
    // Two rounds: a row seen in the failed condition may be released before we read it.
    for (let round = 0; round < 2; round++) {
      const now = this.now();
      const token = this.newToken();
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: marshall({
              ...translationKey(key),
              entity: TRANSLATION_ENTITY,
              itemId: key.itemId,
              version: key.version,
              language: key.language,
              status: IN_PROGRESS,
              claimToken: token,
              leaseUntil: now + leaseMs,
            }),
            ConditionExpression: 'attribute_not_exists(SK) OR (#status = :inProgress AND leaseUntil < :now)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: marshall({ ':inProgress': IN_PROGRESS, ':now': now }),
          }),
        );
        return { claimed: true, token };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const existing = await this.read(key);
      if (existing === undefined) continue;
      if (existing.status === IN_PROGRESS) {
        const leaseUntil = Number(existing.leaseUntil);
        // Expired between our condition and our read: claim again.
        if (leaseUntil < this.now()) continue;
        return { claimed: false, state: 'busy', leaseUntil };
      }
      return {
        claimed: false,
        state: 'done',
        translation: translationFromRecord(existing),
        published: typeof existing.publishedAt === 'string',
      };
    }
    throw new Error(`Could not claim ${key.itemId} v${key.version} ${key.language}: the row keeps changing`);
  }

  async complete(translation: Translation, token: string, publishLeaseMs: number): Promise<void> {
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
              publishToken: token,
              publishLeaseUntil: this.now() + publishLeaseMs,
            },
            { removeUndefinedValues: true },
          ),
          ConditionExpression: '#status = :inProgress AND claimToken = :token',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':inProgress': IN_PROGRESS, ':token': token }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new LeaseLostError(translation);
      throw error;
    }
  }

  async release(key: TranslationKey, token: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall(translationKey(key)),
          ConditionExpression: '#status = :inProgress AND claimToken = :token',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':inProgress': IN_PROGRESS, ':token': token }),
        }),
      );
    } catch (error) {
      // Not ours any more (expired and taken over): nothing to give up.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async claimPublish(key: TranslationKey, leaseMs: number): Promise<PublishClaim> {
    const now = this.now();
    const token = this.newToken();
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(translationKey(key)),
          UpdateExpression: 'SET publishToken = :token, publishLeaseUntil = :until',
          ConditionExpression:
            'attribute_exists(SK) AND #status <> :inProgress AND attribute_not_exists(publishedAt) ' +
            'AND (attribute_not_exists(publishLeaseUntil) OR publishLeaseUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({
            ':token': token,
            ':until': now + leaseMs,
            ':now': now,
            ':inProgress': IN_PROGRESS,
          }),
        }),
      );
      return { claimed: true, token };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const existing = await this.read(key);
    if (existing === undefined || existing.status === IN_PROGRESS) {
      throw new Error(`No recorded outcome to publish for ${key.itemId} v${key.version} ${key.language}`);
    }
    if (typeof existing.publishedAt === 'string') return { claimed: false, published: true };
    // Lost a race with a holder that has just released: report busy, so the event is retried.
    const leaseUntil = Number(existing.publishLeaseUntil);
    return { claimed: false, published: false, leaseUntil: Number.isFinite(leaseUntil) ? leaseUntil : now };
  }

  async releasePublish(key: TranslationKey, token: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(translationKey(key)),
          UpdateExpression: 'REMOVE publishToken, publishLeaseUntil',
          ConditionExpression: 'publishToken = :token AND attribute_not_exists(publishedAt)',
          ExpressionAttributeValues: marshall({ ':token': token }),
        }),
      );
    } catch (error) {
      // Taken over after our lease ran out, or published after all: nothing to give up.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
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
