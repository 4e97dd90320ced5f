/**
 * How each route of the table in `routes.ts` is documented in the OpenAPI document: its operation,
 * request body and responses. Keyed by route key, and every route must have an entry. Only build
 * and test code reads this (the OpenAPI generator), so it stays out of the Lambda bundles.
 */
import { getRouteOf, HEAD_ROUTES, type HeadRouteKey, type RouteKey } from '../routes';
import { FEED_ROUTE_DOCS } from './feed';
import { ITEM_ROUTE_DOCS } from './items';
import { SUBSCRIPTION_ROUTE_DOCS } from './subscriptions';
import type { RouteDoc } from './types';

export type { QueryParameter, ResponseBody, ResponseHeader, ResponseSpec, RouteDoc } from './types';

/** Every route, one group of routes a module. */
export const ROUTE_DOCS: { readonly [K in RouteKey]: RouteDoc } = {
  ...FEED_ROUTE_DOCS,
  ...ITEM_ROUTE_DOCS,
  ...SUBSCRIPTION_ROUTE_DOCS,
};

/** The documentation of any declared route: the table's own, or for HEAD, its GET's without content. */
export function routeDoc(key: RouteKey | HeadRouteKey): RouteDoc {
  if (!Object.hasOwn(HEAD_ROUTES, key)) return ROUTE_DOCS[key as RouteKey];
  const get = ROUTE_DOCS[getRouteOf(key as HeadRouteKey)];
  return {
    ...get,
    operationId: `${get.operationId}Head`,
    summary: `${get.summary}: status and headers only (HEAD)`,
    responses: Object.fromEntries(
      Object.entries(get.responses).map(([status, response]) => [status, { ...response, body: 'NoContent' }]),
    ),
  };
}
