import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { dynamoDb } from '../../shared/adapters/clients/dynamodb';
import { DynamoItemStore } from '../../shared/adapters/dynamodb/item-store';
import { DynamoTranslationStore } from '../../shared/adapters/dynamodb/translation-store';
import { requireEnv } from '../../shared/adapters/env';
import {
  documentBody,
  type HttpEvent,
  httpHandler,
  itemIdParam,
  json,
  jsonText,
  pathParam,
  type RouteHandlers,
  recordOutcome,
  releaseHeaders,
  versionList,
  versionParam,
} from '../../shared/adapters/http';
import { releaseViewOf } from '../../shared/domain/embargo';
import { NotFoundError } from '../../shared/domain/errors';
import { isWellFormedLanguageTag } from '../../shared/domain/ingest/language-tag';
import { etagOf } from '../../shared/domain/item';
import { ItemsService } from '../../shared/domain/items-service';
import { providerLanguageCode } from '../../shared/domain/translation/decision';
import { translationView } from './translation-view';

const itemsTableName = requireEnv('ITEMS_TABLE_NAME');
const logger = new Logger();
const metrics = new Metrics({ logger });
const store = new DynamoItemStore(dynamoDb, itemsTableName);
const service = new ItemsService({ store });
const translations = new DynamoTranslationStore(dynamoDb, itemsTableName);

/** Same answer for an unknown item, another partner's item and a missing translation: ids leak nothing. */
const ITEM_NOT_FOUND = 'No item with this id exists for your account.';

/** The `{lang}` path parameter as the translator stores it (`en-GB` -> `en`); malformed tags cannot exist: 404. */
function languageParam(event: HttpEvent): string {
  const tag = pathParam(event, 'lang');
  if (!isWellFormedLanguageTag(tag)) throw new NotFoundError('No translation exists for this language.');
  return providerLanguageCode(tag);
}

/** Reads of a partner's items, plus the API's 405/404 fallbacks (see serveFallbacks). */
export const routes = {
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
    const versions = await service.listVersions(caller, itemId);
    recordOutcome(metrics, 'read');
    const latest = versions.at(-1);
    return json(200, versionList(itemId, versions), latest ? { ETag: etagOf(latest.version) } : {});
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
    const itemId = itemIdParam(event);
    const language = languageParam(event);
    // Tenant isolation first: translations carry the item's partner, but the head is the authority.
    const head = await store.getHead(itemId);
    if (!head || head.partnerId !== caller.partnerId) throw new NotFoundError(ITEM_NOT_FOUND);
    // The latest translated version; else what was recorded for the latest version (e.g. skipped, and why).
    const translation =
      (await translations.get(itemId, language)) ??
      (await translations.getVersion(itemId, head.version, language));
    if (!translation || translation.partnerId !== caller.partnerId) {
      throw new NotFoundError(`Item ${itemId} has no translation into ${language}.`);
    }
    recordOutcome(metrics, 'read');
    return json(200, translationView(translation));
  },
} satisfies RouteHandlers;

export const handler = httpHandler(routes, { logger, metrics, serveFallbacks: true });
