import type { Scope } from './authorizer-context';

/**
 * The route table of the API: one entry per API Gateway route key (`<METHOD> <path>`). It drives
 * the handlers' dispatch, the scope each route demands, the function CDK wires it to and the `Allow`
 * header of the 405 fallbacks. What only the OpenAPI document needs (summaries, responses) is in
 * `route-docs/`, keyed by the same route keys, so the Lambdas do not ship it.
 */

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/** What the table says about a route; its method and path are in its key (kept out to keep bundles small). */
export interface RouteBinding {
  /** The Lambda function that serves the route (infra wires routes from this). */
  function: 'items-write' | 'items-read' | 'subscriptions-api' | 'feed-api';
  /** The scope the route demands; for a list, any one of them. */
  scope: Scope | readonly Scope[];
}

export interface RouteSpec extends RouteBinding {
  method: HttpMethod;
  /** API Gateway path template. */
  path: string;
}

export const ROUTES = {
  'POST /v1/items': { function: 'items-write', scope: 'items:write' },
  'PUT /v1/items/{id}': { function: 'items-write', scope: 'items:write' },
  'DELETE /v1/items/{id}': { function: 'items-write', scope: 'items:write' },
  // A submitting partner reads its own items; `feed:read` adds what its entitlement grants.
  'GET /v1/feed': { function: 'feed-api', scope: ['feed:read', 'items:read'] },
  'GET /v1/items': { function: 'items-read', scope: 'items:read' },
  'GET /v1/items/{id}': { function: 'items-read', scope: 'items:read' },
  'GET /v1/items/{id}/versions': { function: 'items-read', scope: 'items:read' },
  'GET /v1/items/{id}/versions/{version}': { function: 'items-read', scope: 'items:read' },
  'GET /v1/items/{id}/translations/{lang}': { function: 'items-read', scope: 'items:read' },
  'POST /v1/subscriptions': { function: 'subscriptions-api', scope: 'webhooks:manage' },
  'GET /v1/subscriptions': { function: 'subscriptions-api', scope: 'webhooks:manage' },
  'GET /v1/subscriptions/{id}': { function: 'subscriptions-api', scope: 'webhooks:manage' },
  'DELETE /v1/subscriptions/{id}': { function: 'subscriptions-api', scope: 'webhooks:manage' },
  'POST /v1/subscriptions/{id}/rotate-secret': { function: 'subscriptions-api', scope: 'webhooks:manage' },
  'GET /v1/subscriptions/{id}/deliveries': { function: 'subscriptions-api', scope: 'webhooks:manage' },
  'POST /v1/subscriptions/{id}/deliveries/{deliveryId}/redeliver': {
    function: 'subscriptions-api',
    scope: 'webhooks:manage',
  },
} as const satisfies Record<`${HttpMethod} ${string}`, RouteBinding>;

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
    .filter(([key]) => key.startsWith('GET '))
    .map(([key, route]) => [`HEAD ${pathOf(key)}`, route]),
) as Record<HeadRouteKey, RouteBinding>;

/** The path template of a route key (`<METHOD> <path>`). */
export function pathOf(routeKey: string): string {
  return routeKey.slice(routeKey.indexOf(' ') + 1);
}

/** `GET <path>` for `HEAD <path>`. */
export function getRouteOf(headRouteKey: HeadRouteKey): GetRouteKey {
  return `GET ${headRouteKey.slice('HEAD '.length)}` as GetRouteKey;
}

/**
 * Catch-all route keys: a known path with a method it does not support answers 405 with `Allow`;
 * any other path answers 404. They are served by items-read and are not API operations.
 */
export const METHOD_FALLBACK_ROUTES = Object.fromEntries(
  Object.keys(ROUTES).map((key) => [`ANY ${pathOf(key)}`, pathOf(key)]),
) as Record<`ANY ${RoutePath}`, RoutePath>;

type RoutePath = RouteKey extends `${string} ${infer Path}` ? Path : never;
export const CATCH_ALL_ROUTE = 'ANY /{proxy+}';

export type FallbackRouteKey = keyof typeof METHOD_FALLBACK_ROUTES | typeof CATCH_ALL_ROUTE;

/** Every route API Gateway declares: the table's, then their HEAD counterparts. */
export function routeSpecs(): (RouteSpec & { key: RouteKey | HeadRouteKey })[] {
  return (Object.entries({ ...ROUTES, ...HEAD_ROUTES }) as [RouteKey | HeadRouteKey, RouteBinding][]).map(
    ([key, binding]) => ({
      ...binding,
      key,
      method: key.slice(0, key.indexOf(' ')) as HttpMethod,
      path: pathOf(key),
    }),
  );
}

/** The methods the API supports on a path template, in route-table order (for `Allow`). */
export function allowedMethods(path: string): HttpMethod[] {
  return routeSpecs()
    .filter((route) => route.path === path)
    .map((route) => route.method);
}
