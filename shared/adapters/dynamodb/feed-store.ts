import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  GetItemCommand,
  type KeysAndAttributes,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { FEED_TYPES, type FeedRecord, type FeedType, type NewFeedRecord } from '../../domain/feed/model';
import {
  type FeedDocuments,
  type FeedStore,
  type FeedTranslation,
  versionRef,
} from '../../domain/feed/ports';
import type { NinjsDocument } from '../../domain/item';
import { MalformedRecordError } from './item-records';
import { ENTITY, FEED_PK, feedKey, feedMarkerKey, translationKey, versionKey } from './table-design';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, transactWrite } from './transactions';
import { translationFromRecord } from './translation-records';

/** Markers only guard against redelivered stream records: kept a little longer than the stream's 24 h. */
const MARKER_TTL_SECONDS = 3 * 24 * 3600;
/** A recorder that keeps losing the race for the next number gives up (and its batch is retried). */
const MAX_APPEND_ATTEMPTS = 100;
/** Records per transaction: two actions each (row and marker), within TransactWriteItems' 100. */
const APPEND_CHUNK = 50;
/** Bytes of feed rows per transaction, well inside TransactWriteItems' 4 MB. */
const APPEND_CHUNK_BYTES = 2_000_000;

export class FeedContentionError extends Error {
  constructor() {
    super(`No free feed sequence number after ${MAX_APPEND_ATTEMPTS} attempts`);
    this.name = 'FeedContentionError';
  }
}

export interface DynamoFeedStoreOptions {
  now?: () => number;
  retryPolicy?: RetryPolicy;
}

/**
 * The feed in the items table: record n at `FEED` / `S#<n, 15 digits>`, written by a conditional
 * append. A recorder takes the highest record it knows (n), and writes n+1 with
 * `attribute_not_exists`; if another recorder took n+1, it reads the head again and tries the next
 * number. So record n+1 can only be written after record n exists, and a strongly consistent Query
 * from any position sees a gap-free prefix: a reader that has passed n can never find a record
 * below n appearing later. The same transaction puts a marker per eventId, so a redelivered stream
 * record (at-least-once) is recorded once.
 */
export class DynamoFeedStore implements FeedStore {
  private readonly now: () => number;
  private readonly retryPolicy: RetryPolicy;
  /** The last record this instance knows of: saves the head query on every append but the first. */
  private head: { seq: number; recordedAt: string } | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: DynamoFeedStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  }

  /** Records `record` under the next free number; returns it, or undefined if the event was already recorded. */
  async append(record: NewFeedRecord): Promise<number | undefined> {
    return (await this.appendAll([record]))[0];
  }

  /**
   * Records `records` in order under consecutive free numbers, up to APPEND_CHUNK per transaction
   * (a stream batch costs a few round trips, not one per change). Returns each record's number, or
   * undefined for an event that was already recorded (a redelivered stream record).
   */
  async appendAll(records: readonly NewFeedRecord[]): Promise<(number | undefined)[]> {
    const numbers: (number | undefined)[] = new Array(records.length).fill(undefined);
    const seen = new Set<string>();
    const pending: number[] = [];
    records.forEach((record, index) => {
      // The same event twice in one call is recorded once (one transaction may not touch a key twice).
      if (seen.has(record.eventId)) return;
      seen.add(record.eventId);
      pending.push(index);
    });
    for (const chunk of chunksOf(pending, (index) => Buffer.byteLength(JSON.stringify(records[index])))) {
      const recorded = await this.appendChunk(chunk.map((index) => records[index]!));
      chunk.forEach((index, n) => {
        numbers[index] = recorded[n];
      });
    }
    return numbers;
  }

  private async appendChunk(records: NewFeedRecord[]): Promise<(number | undefined)[]> {
    const numbers: (number | undefined)[] = new Array(records.length).fill(undefined);
    // Indexes (into records) still to record; one already recorded drops out when its marker exists.
    let todo = records.map((_, index) => index);
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS && todo.length > 0; attempt++) {
      const head = this.head ?? (await this.readHead());
      const now = new Date(this.now()).toISOString();
      // Never earlier than its predecessor, so `since` can binary-search the sequence.
      const recordedAt = head.recordedAt.localeCompare(now) > 0 ? head.recordedAt : now;
      const expiresAt = Math.floor(this.now() / 1000) + MARKER_TTL_SECONDS;
      const outcome = await transactWrite(
        this.client,
        {
          TransactItems: todo.flatMap((index, n) => {
            const seq = head.seq + 1 + n;
            return [
              {
                Put: {
                  TableName: this.tableName,
                  Item: marshall(toFeedRow({ ...records[index]!, seq, recordedAt }), {
                    removeUndefinedValues: true,
                  }),
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
              {
                Put: {
                  TableName: this.tableName,
                  Item: marshall({
                    ...feedMarkerKey(records[index]!.eventId),
                    entity: ENTITY.feedMarker,
                    seq,
                    expiresAt,
                  }),
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
            ];
          }),
        },
        this.retryPolicy,
      );
      if (outcome.committed) {
        todo.forEach((index, n) => {
          numbers[index] = head.seq + 1 + n;
        });
        this.head = { seq: head.seq + todo.length, recordedAt };
        return numbers;
      }
      // Actions come in pairs (row, marker): a failed marker means that event is already recorded.
      const recordedBefore = new Set(todo.filter((_, n) => outcome.conditionFailed[2 * n + 1]));
      todo = todo.filter((index) => !recordedBefore.has(index));
      // A failed row means another recorder took that number: learn the real head.
      if (todo.length > 0 && outcome.conditionFailed.some((failed, action) => failed && action % 2 === 0))
        this.head = await this.readHead();
    }
    if (todo.length > 0) throw new FeedContentionError();
    return numbers;
  }

  async readAfter(after: number, maxRows: number): Promise<FeedRecord[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND SK > :after',
        ExpressionAttributeValues: marshall({ ':pk': FEED_PK, ':after': feedKey(after).SK }),
        ScanIndexForward: true,
        Limit: maxRows,
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((item) => fromFeedRow(unmarshall(item)));
  }

  /** Binary search on recordedAt, which never decreases along the sequence: about log2(n) GetItems. */
  async seqBefore(since: Date): Promise<number> {
    const target = since.toISOString();
    let low = 0; // every record <= low is known to be before `since` (0: none)
    let high = (await this.readHead()).seq + 1; // records >= high are at or after it
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      const recordedAt = await this.recordedAtOf(middle);
      // A missing record (pruned by an operator) lies before everything retained.
      if (recordedAt === undefined || recordedAt < target) low = middle;
      else high = middle;
    }
    return low;
  }

  private async recordedAtOf(seq: number): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(feedKey(seq)),
        ProjectionExpression: 'recordedAt',
        ConsistentRead: true,
      }),
    );
    return Item === undefined ? undefined : (unmarshall(Item).recordedAt as string);
  }

  private async readHead(): Promise<{ seq: number; recordedAt: string }> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: marshall({ ':pk': FEED_PK }),
        ProjectionExpression: 'seq, recordedAt',
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const last = Items?.[0] === undefined ? undefined : unmarshall(Items[0]);
    return last === undefined
      ? { seq: 0, recordedAt: '' }
      : { seq: last.seq as number, recordedAt: last.recordedAt as string };
  }
}

/**
 * Documents of feed entries, read from the version rows (one copy of each document: the feed rows
 * hold summaries only). BatchGetItem, strongly consistent, 100 keys per call, unprocessed keys retried.
 */
export class DynamoFeedDocuments implements FeedDocuments {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async versions(keys: { itemId: string; version: number }[]): Promise<Map<string, NinjsDocument>> {
    const rows = await this.batchGet(
      keys.map(({ itemId, version }) => versionKey(itemId, version)),
      'itemId, #version, #document',
      { '#version': 'version', '#document': 'document' },
    );
    const documents = new Map<string, NinjsDocument>();
    for (const row of rows) {
      documents.set(
        versionRef(row.itemId as string, row.version as number),
        JSON.parse(row.document as string),
      );
    }
    return documents;
  }

  async translations(
    keys: { itemId: string; version: number }[],
    language: string,
  ): Promise<Map<string, FeedTranslation>> {
    const rows = await this.batchGet(keys.map((key) => translationKey({ ...key, language })));
    const translations = new Map<string, FeedTranslation>();
    for (const row of rows) {
      if (row.status !== 'translated') continue;
      const translation = translationFromRecord(row);
      translations.set(versionRef(translation.itemId, translation.version), {
        language: translation.language,
        headlines: translation.headlines.map(({ value }) => ({ value })),
        bodies: translation.bodies,
        translatedAt: translation.translatedAt,
      });
    }
    return translations;
  }

  private async batchGet(
    keys: { PK: string; SK: string }[],
    projection?: string,
    names?: Record<string, string>,
  ): Promise<Record<string, unknown>[]> {
    const unique = [...new Map(keys.map((key) => [`${key.PK}|${key.SK}`, key])).values()];
    const rows: Record<string, unknown>[] = [];
    for (let start = 0; start < unique.length; start += 100) {
      let request: KeysAndAttributes | undefined = {
        Keys: unique.slice(start, start + 100).map((key) => marshall(key)),
        ConsistentRead: true,
        ...(projection && { ProjectionExpression: projection }),
        ...(names && { ExpressionAttributeNames: names }),
      };
      for (let attempt = 0; request !== undefined; attempt++) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
        const output: BatchGetItemCommandOutput = await this.client.send(
          new BatchGetItemCommand({ RequestItems: { [this.tableName]: request } }),
        );
        for (const item of output.Responses?.[this.tableName] ?? []) rows.push(unmarshall(item));
        request = output.UnprocessedKeys?.[this.tableName];
        if (attempt > 10 && request !== undefined)
          throw new Error('BatchGetItem keeps leaving keys unprocessed');
      }
    }
    return rows;
  }
}

/** Consecutive runs of at most APPEND_CHUNK entries and (past the first) APPEND_CHUNK_BYTES. */
function chunksOf<T>(entries: T[], bytesOf: (entry: T) => number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = bytesOf(entry);
    if (current.length === APPEND_CHUNK || (current.length > 0 && bytes + size > APPEND_CHUNK_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function toFeedRow(record: FeedRecord): Record<string, unknown> {
  return { ...feedKey(record.seq), entity: ENTITY.feedEntry, ...record };
}

const TYPES: ReadonlySet<string> = new Set(FEED_TYPES);

function fromFeedRow(row: Record<string, unknown>): FeedRecord {
  const string = (name: string): string => {
    const value = row[name];
    if (typeof value !== 'string')
      throw new MalformedRecordError(ENTITY.feedEntry, `${name} must be a string`);
    return value;
  };
  const strings = (name: string): string[] | undefined => {
    const value = row[name];
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw new MalformedRecordError(ENTITY.feedEntry, `${name} must be a list`);
    return value.map(String);
  };
  const type = string('type');
  if (!TYPES.has(type)) throw new MalformedRecordError(ENTITY.feedEntry, `type ${type} is unknown`);
  const places = strings('places');
  const subjects = strings('subjects');
  const translationLanguage = row.translationLanguage;
  return {
    seq: Number(row.seq),
    eventId: string('eventId'),
    type: type as FeedType,
    itemId: string('itemId'),
    version: Number(row.version),
    source: string('source'),
    language: string('language'),
    pubstatus: string('pubstatus'),
    uri: string('uri'),
    headline: typeof row.headline === 'string' ? row.headline : '',
    ...(places && { places }),
    ...(subjects && { subjects }),
    time: string('time'),
    recordedAt: string('recordedAt'),
    held: row.held === true,
    ...(typeof translationLanguage === 'string' && { translationLanguage }),
  };
}
