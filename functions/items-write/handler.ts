import { dynamoDb } from '#shared/adapters/clients/dynamodb.ts';
import { DynamoItemStore } from '#shared/adapters/dynamodb/item-store.ts';
import { requireEnv } from '#shared/adapters/env.ts';
import {
  type HttpEvent,
  header,
  httpHandler,
  itemIdParam,
  itemPath,
  itemReceipt,
  json,
  parseIfMatch,
  type RouteHandlers,
  recordOutcome,
} from '#shared/adapters/http/index.ts';
import { logger, metrics } from '#shared/adapters/observability.ts';
import { prepareSubmission } from '#shared/domain/ingest/index.ts';
import { etagOf } from '#shared/domain/item.ts';
import { ItemsService } from '#shared/domain/items-service.ts';

const itemsTableName = requireEnv('ITEMS_TABLE_NAME');
const service = new ItemsService({ store: new DynamoItemStore(dynamoDb, itemsTableName) });

const prepare = (event: HttpEvent) =>
  prepareSubmission({
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    contentType: header(event, 'content-type'),
  });

/** POST, PUT and DELETE of items. The partner always comes from the authorizer, never from the body. */
export const routes = {
  'POST /v1/items': async (event, caller) => {
    const prepared = prepare(event);
    const { outcome, version, warnings } = await service.submit(caller, prepared);
    recordOutcome(metrics, outcome);
    const etag = { ETag: etagOf(version.version) };
    return outcome === 'created'
      ? json(201, itemReceipt(version, warnings), { ...etag, Location: itemPath(version.itemId) })
      : json(200, itemReceipt(version, warnings), etag);
  },

  'PUT /v1/items/{id}': async (event, caller) => {
    const itemId = itemIdParam(event);
    const expectedVersion = parseIfMatch(header(event, 'if-match'));
    const prepared = prepare(event);
    const { outcome, version, warnings } = await service.correct(caller, itemId, expectedVersion, prepared);
    recordOutcome(metrics, outcome);
    return json(200, itemReceipt(version, warnings), { ETag: etagOf(version.version) });
  },

  'DELETE /v1/items/{id}': async (event, caller) => {
    const itemId = itemIdParam(event);
    const expectedVersion = parseIfMatch(header(event, 'if-match'));
    const { outcome, version } = await service.retract(caller, itemId, expectedVersion);
    recordOutcome(metrics, outcome);
    return json(200, itemReceipt(version), { ETag: etagOf(version.version) });
  },
} satisfies RouteHandlers;

export const handler = httpHandler(routes, { logger, metrics });
