import { dynamoDb } from '#shared/adapters/clients/dynamodb.ts';
import { loadCursorKey } from '#shared/adapters/dynamodb/cursor-key.ts';
import { DynamoEntitlementStore } from '#shared/adapters/dynamodb/entitlement-store.ts';
import { DynamoFeedDocuments, DynamoFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { requireEnv } from '#shared/adapters/env.ts';
import { header, httpHandler, json, type RouteHandlers } from '#shared/adapters/http/index.ts';
import { MetricUnit } from '#shared/adapters/metrics.ts';
import { logger, metrics } from '#shared/adapters/observability.ts';
import { CursorCodec } from '#shared/domain/cursors.ts';
import { type FeedQuery, FeedService } from '#shared/domain/feed/feed-service.ts';

const itemsTableName = requireEnv('ITEMS_TABLE_NAME');
const partnersTableName = requireEnv('PARTNERS_TABLE_NAME');
const store = new DynamoFeedStore(dynamoDb, itemsTableName);
const documents = new DynamoFeedDocuments(dynamoDb, itemsTableName);
const entitlements = new DynamoEntitlementStore(dynamoDb, partnersTableName);

/** The cursor key is read once per execution environment (and created by the very first). */
let service: Promise<FeedService> | undefined;
function feedService(): Promise<FeedService> {
  service ??= loadCursorKey(dynamoDb, partnersTableName).then(
    (key) => new FeedService({ store, documents, entitlements, cursors: new CursorCodec(key) }),
  );
  // A failed load is not cached: the next request tries again.
  service.catch(() => {
    service = undefined;
  });
  return service;
}

const QUERY_NAMES = [
  'cursor',
  'since',
  'limit',
  'wait',
  'language',
  'source',
  'type',
  'place',
  'subject',
  'lang',
  'held',
] as const satisfies readonly (keyof FeedQuery)[];

/** `If-None-Match` lists (RFC 9110 §13.1.2): weak comparison, `*` matches any page. */
function matchesIfNoneMatch(value: string | undefined, etag: string): boolean {
  if (value === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return value.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

export const routes = {
  'GET /v1/feed': async (event, caller) => {
    const params = event.queryStringParameters ?? {};
    const query: FeedQuery = {};
    for (const name of QUERY_NAMES) {
      const value = params[name];
      if (value !== undefined) query[name] = value;
    }
    const page = await (await feedService()).read(
      { partnerId: caller.partnerId, canReadFeed: caller.scopes.has('feed:read') },
      query,
    );
    metrics.addMetric('FeedEntriesServed', MetricUnit.Count, page.entries.length);
    const headers = { ETag: page.etag, 'Cache-Control': 'private, no-cache' };
    if (matchesIfNoneMatch(header(event, 'if-none-match'), page.etag)) {
      return {
        statusCode: 304,
        headers: { etag: page.etag, 'cache-control': 'private, no-cache' },
        body: '',
      };
    }
    return json(200, { entries: page.entries, cursor: page.cursor }, headers);
  },
} satisfies RouteHandlers;

export const handler = httpHandler(routes, { logger, metrics });
