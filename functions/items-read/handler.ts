import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { documentClient } from '../../shared/adapters/clients/dynamodb';
import { DynamoItemStore } from '../../shared/adapters/dynamodb/item-store';
import { requireEnv } from '../../shared/adapters/env';
import {
  documentBody,
  httpHandler,
  itemIdParam,
  json,
  jsonText,
  type RouteHandlers,
  recordOutcome,
  versionList,
  versionParam,
} from '../../shared/adapters/http';
import { etagOf } from '../../shared/domain/item';
import { ItemsService } from '../../shared/domain/items-service';

const itemsTableName = requireEnv('ITEMS_TABLE_NAME');
const logger = new Logger();
const metrics = new Metrics({ logger });
const service = new ItemsService({ store: new DynamoItemStore(documentClient, itemsTableName) });

/** Reads of a partner's items, plus the API's 405/404 fallbacks (see serveFallbacks). */
export const routes = {
  'GET /v1/items/{id}': async (event, caller) => {
    const version = await service.get(caller, itemIdParam(event));
    recordOutcome(metrics, 'read');
    return jsonText(200, documentBody(version), { ETag: etagOf(version.version) });
  },

  'GET /v1/items/{id}/versions': async (event, caller) => {
    const itemId = itemIdParam(event);
    const versions = await service.listVersions(caller, itemId);
    recordOutcome(metrics, 'read');
    const latest = versions.at(-1);
    return json(200, versionList(itemId, versions), latest ? { ETag: etagOf(latest.version) } : {});
  },

  'GET /v1/items/{id}/versions/{version}': async (event, caller) => {
    const version = await service.getVersion(caller, itemIdParam(event), versionParam(event));
    recordOutcome(metrics, 'read');
    return jsonText(200, documentBody(version), { ETag: etagOf(version.version) });
  },
} satisfies RouteHandlers;

export const handler = httpHandler(routes, { logger, metrics, serveFallbacks: true });
