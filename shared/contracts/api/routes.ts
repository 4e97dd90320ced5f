import type { Scope } from './authorizer-context';

/**
 * The route table of the API: one entry per API Gateway route key (`<METHOD> <path>`). It drives
 * the handlers' dispatch, the scope each route demands, the function CDK wires it to and the `Allow`
 * header of the 405 fallbacks. What only the OpenAPI document needs (summaries, responses) is in
 * `route-docs.ts`, keyed by the same route keys, so the Lambdas do not ship it.
 */

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec {
  method: HttpMethod;
  /** API Gateway path template. */
  path: string;
  /** The Lambda function that serves the route (infra wires routes from this). */
  function: 'items-write' | 'items-read' | 'subscriptions-api' | 'feed-api';
  /** The scope the route demands; for a list, any one of them. */
  scope: Scope | readonly Scope[];
}

export const ROUTES = {
  'POST /v1/items': { method: 'POST', path: '/v1/items', function: 'items-write', scope: 'items:write' },
  'PUT /v1/items/{id}': {
    method: 'PUT',
    path: '/v1/items/{id}',
    function: 'items-write',
    scope: 'items:write',
  },
  'DELETE /v1/items/{id}': {
    method: 'DELETE',
    path: '/v1/items/{id}',
    function: 'items-write',
    scope: 'items:write',
  },
  'GET /v1/feed': {
    method: 'GET',
    path: '/v1/feed',
    function: 'feed-api',
    // A submitting partner reads its own items; `feed:read` adds what its entitlement grants.
    scope: ['feed:read', 'items:read'],
  },
  'GET /v1/items/{id}': {
    method: 'GET',
    path: '/v1/items/{id}',
    function: 'items-read',
    scope: 'items:read',
  },
  'GET /v1/items/{id}/versions': {
    method: 'GET',
    path: '/v1/items/{id}/versions',
    function: 'items-read',
    scope: 'items:read',
  },
  'GET /v1/items/{id}/versions/{version}': {
    method: 'GET',
    path: '/v1/items/{id}/versions/{version}',
    function: 'items-read',
    scope: 'items:read',
  },
  'GET /v1/items/{id}/translations/{lang}': {
    method: 'GET',
    path: '/v1/items/{id}/translations/{lang}',
    function: 'items-read',
    scope: 'items:read',
  },
  'POST /v1/subscriptions': {
    method: 'POST',
    path: '/v1/subscriptions',
    function: 'subscriptions-api',
    scope: 'webhooks:manage',
  },
  'GET /v1/subscriptions': {
    method: 'GET',
    path: '/v1/subscriptions',
    function: 'subscriptions-api',
    scope: 'webhooks:manage',
  },
  'GET /v1/subscriptions/{id}': {
    method: 'GET',
    path: '/v1/subscriptions/{id}',
    function: 'subscriptions-api',
    scope: 'webhooks:manage',
  },
  'DELETE /v1/subscriptions/{id}': {
    method: 'DELETE',
    path: '/v1/subscriptions/{id}',
    function: 'subscriptions-api',
    scope: 'webhooks:manage',
  },
  'POST /v1/subscriptions/{id}/rotate-secret': {
    method: 'POST',
    path: '/v1/subscriptions/{id}/rotate-secret',
    function: 'subscriptions-api',
    scope: 'webhooks:manage',
  },
  'GET /v1/subscriptions/{id}/deliveries': {
    method: 'GET',
    path: '/v1/subscriptions/{id}/deliveries',
    function: 'subscriptions-api',
    scope: 'webhooks:manage',
  },
  'POST /v1/subscriptions/{id}/deliveries/{deliveryId}/redeliver': {
    method: 'POST',
    path: '/v1/subscriptions/{id}/deliveries/{deliveryId}/redeliver',
    function: 'subscriptions-api',
    scope: 'webhooks:manage',
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteKey = keyof typeof ROUTES;

type GetRouteKey = Extract<RouteKey, `GET ${string}`>;
export type HeadRouteKey = GetRouteKey extends `GET ${infer Path}` ? `HEAD ${Path}` : never;

/**
 * HEAD of every GET route (RFC 9110 §9.1: general-purpose servers support GET and HEAD): the same
 * function, scope, status and headers (ETag included), without content. Served by `httpHandler`
 * with the GET route's handler, so no function declares them.
 */
export const HEAD_ROUTES = Object.fromEntries(
  Object.entries(ROUTES)
    .filter(([, route]) => route.method === 'GET')
    .map(([, route]) => [`HEAD ${route.path}`, { ...route, method: 'HEAD' }]),
) as Record<HeadRouteKey, RouteSpec>;

/** `GET <path>` for `HEAD <path>`. */
export function getRouteOf(headRouteKey: HeadRouteKey): GetRouteKey {
  return `GET ${headRouteKey.slice('HEAD '.length)}` as GetRouteKey;
}

/**
 * Catch-all route keys: a known path with a method it does not support answers 405 with `Allow`;
 * any other path answers 404. They are served by items-read and are not API operations.
 */
export const METHOD_FALLBACK_ROUTES = {
  'ANY /v1/items': '/v1/items',
  'ANY /v1/items/{id}': '/v1/items/{id}',
  'ANY /v1/feed': '/v1/feed',
  'ANY /v1/items/{id}/versions': '/v1/items/{id}/versions',
  'ANY /v1/items/{id}/versions/{version}': '/v1/items/{id}/versions/{version}',
  'ANY /v1/items/{id}/translations/{lang}': '/v1/items/{id}/translations/{lang}',
  'ANY /v1/subscriptions': '/v1/subscriptions',
  'ANY /v1/subscriptions/{id}': '/v1/subscriptions/{id}',
  'ANY /v1/subscriptions/{id}/rotate-secret': '/v1/subscriptions/{id}/rotate-secret',
  'ANY /v1/subscriptions/{id}/deliveries': '/v1/subscriptions/{id}/deliveries',
  'ANY /v1/subscriptions/{id}/deliveries/{deliveryId}/redeliver':
    '/v1/subscriptions/{id}/deliveries/{deliveryId}/redeliver',
} as const;
export const CATCH_ALL_ROUTE = 'ANY /{proxy+}';

export type FallbackRouteKey = keyof typeof METHOD_FALLBACK_ROUTES | typeof CATCH_ALL_ROUTE;

/** Every route API Gateway declares: the table's, then their HEAD counterparts. */
export function routeSpecs(): (RouteSpec & { key: RouteKey | HeadRouteKey })[] {
  return (Object.entries({ ...ROUTES, ...HEAD_ROUTES }) as [RouteKey | HeadRouteKey, RouteSpec][]).map(
    ([key, spec]) => ({ ...spec, key }),
  );
}

/** The methods the API supports on a path template, in route-table order (for `Allow`). */
export function allowedMethods(path: string): HttpMethod[] {
  return routeSpecs()
    .filter((route) => route.path === path)
    .map((route) => route.method);
}
