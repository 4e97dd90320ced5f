import { dynamoDb } from '#shared/adapters/clients/dynamodb.ts';
import { loadCursorKey } from '#shared/adapters/dynamodb/cursor-key.ts';
import { DynamoItemReadStore } from '#shared/adapters/dynamodb/item-read-store.ts';
import { DynamoTranslationStore } from '#shared/adapters/dynamodb/translation-store.ts';
import { requireEnv } from '#shared/adapters/env.ts';
import {
  documentBody,
  type HttpEvent,
  httpHandler,
  itemIdParam,
  itemList,
  json,
  jsonText,
  pathParam,
  type RouteHandlers,
  recordOutcome,
  releaseHeaders,
  versionList,
  versionParam,
} from '#shared/adapters/http/index.ts';
import { problemPage } from '#shared/adapters/http/problem-page.ts';
import { logger, metrics } from '#shared/adapters/observability.ts';
import { PROBLEM_DOCS_ROUTE } from '#shared/contracts/api/problem-types.ts';
import { CursorCodec } from '#shared/domain/cursors.ts';
import { releaseViewOf } from '#shared/domain/embargo.ts';
import { NotFoundError } from '#shared/domain/errors.ts';
import { isWellFormedLanguageTag } from '#shared/domain/ingest/language-tag.ts';
import { etagOf } from '#shared/domain/item.ts';
import { type ItemListQuery, ItemsReadService } from '#shared/domain/items-read-service.ts';
import { providerLanguageCode } from '#shared/domain/translation/decision.ts';
import { translationView } from './translation-view';

const itemsTableName = requireEnv('ITEMS_TABLE_NAME');
const partnersTableName = requireEnv('PARTNERS_TABLE_NAME');

/** The cursor key is read once per execution environment (a failed load is retried by the next request). */
let cursors: Promise<CursorCodec> | undefined;
function cursorCodec(): Promise<CursorCodec> {
  cursors ??= loadCursorKey(dynamoDb, partnersTableName).then((key) => new CursorCodec(key));
  cursors.catch(() => {
    cursors = undefined;
  });
  return cursors;
}

const service = new ItemsReadService({
  store: new DynamoItemReadStore(dynamoDb, itemsTableName),
  translations: new DynamoTranslationStore(dynamoDb, itemsTableName),
  cursors: cursorCodec,
});

const LIST_QUERY_NAMES = [
  'cursor',
  'limit',
  'language',
  'type',
  'place',
  'subject',
  'held',
] as const satisfies readonly (keyof ItemListQuery)[];

/** The `{lang}` path parameter as the translator stores it (`en-GB` -> `en`); malformed tags cannot exist: 404. */
function languageParam(event: HttpEvent): string {
  const tag = pathParam(event, 'lang');
  if (!isWellFormedLanguageTag(tag)) throw new NotFoundError('No translation exists for this language.');
  return providerLanguageCode(tag);
}

/** Reads of a partner's items, plus the API's 405/404 fallbacks (see serveFallbacks). */
export const routes = {
  'GET /v1/items': async (event, caller) => {
    const params = event.queryStringParameters ?? {};
    const query: ItemListQuery = {};
    for (const name of LIST_QUERY_NAMES) {
      const value = params[name];
      if (value !== undefined) query[name] = value;
    }
    const page = await service.listItems(caller, query);
    recordOutcome(metrics, 'read');
    return json(200, itemList(page), { 'Cache-Control': 'private, no-cache' });
  },

  'GET /v1/items/{id}': async (event, caller) => {
    const version = await service.get(caller, itemIdParam(event));
    recordOutcome(metrics, 'read');
    return jsonText(200, documentBody(version), {
      ETag: etagOf(version.version),
      ...releaseHeaders(releaseViewOf(version, true)),
    });
  },

  'GET /v1/items/{id}/versions': async (event, caller) => {
    const itemId = itemIdParam(event);
    const { cursor, limit } = event.queryStringParameters ?? {};
    const page = await service.listVersions(caller, itemId, {
      ...(cursor !== undefined && { cursor }),
      ...(limit !== undefined && { limit }),
    });
    recordOutcome(metrics, 'read');
    return json(200, versionList(itemId, page), { ETag: etagOf(page.latestVersion) });
  },

  'GET /v1/items/{id}/versions/{version}': async (event, caller) => {
    const { version, latest } = await service.getVersion(caller, itemIdParam(event), versionParam(event));
    recordOutcome(metrics, 'read');
    return jsonText(200, documentBody(version), {
      ETag: etagOf(version.version),
      ...releaseHeaders(releaseViewOf(version, latest)),
    });
  },

  'GET /v1/items/{id}/translations/{lang}': async (event, caller) => {
    const translation = await service.translation(caller, itemIdParam(event), languageParam(event));
    recordOutcome(metrics, 'read');
    return json(200, translationView(translation));
  },
} satisfies RouteHandlers;

export const handler = httpHandler(routes, {
  logger,
  metrics,
  serveFallbacks: true,
  publicRoutes: { [PROBLEM_DOCS_ROUTE]: problemPage },
});
