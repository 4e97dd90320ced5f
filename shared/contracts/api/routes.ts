import type { Scope } from './authorizer-context';

/**
 * The route table of the API: one entry per API Gateway route key (`<METHOD> <path>`). It drives
 * the handlers' dispatch, the scope each route demands, the OpenAPI document and the `Allow`
 * header of the 405 fallbacks, so the four cannot drift apart.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a response carries: one of the component schemas, the stored ninjs document, or nothing. */
export type ResponseBody =
  | 'ItemReceipt'
  | 'VersionList'
  | 'Ninjs'
  | 'ItemTranslation'
  | 'Problem'
  | 'Subscription'
  | 'SubscriptionWithSecret'
  | 'SubscriptionList'
  | 'RotatedSecret'
  | 'DeliveryList'
  | 'Delivery'
  | 'NoContent';
export type ResponseHeader = 'ETag' | 'Location' | 'Allow' | 'WWW-Authenticate';

export interface ResponseSpec {
  description: string;
  body: ResponseBody;
  headers?: readonly ResponseHeader[];
}

export interface RouteSpec {
  method: HttpMethod;
  /** API Gateway path template. */
  path: string;
  operationId: string;
  summary: string;
  /** The Lambda function that serves the route (infra wires routes from this). */
  function: 'items-write' | 'items-read' | 'subscriptions-api';
  scope: Scope;
  /** The request body is a ninjs 2.2 document. */
  ninjsBody: boolean;
  /** The request must carry `If-Match` with the current ETag (optimistic concurrency). */
  ifMatch: boolean;
  /** A JSON request body described by this component schema. */
  jsonBody?: 'CreateSubscriptionRequest';
  /** Pagination query parameters (`limit`, `cursor`). */
  paginated?: boolean;
  responses: Readonly<Record<number, ResponseSpec>>;
}

const unauthorized: ResponseSpec = {
  description: 'No valid API key (`WWW-Authenticate: Bearer`).',
  body: 'Problem',
  headers: ['WWW-Authenticate'],
};
const forbidden: ResponseSpec = {
  description: 'The API key lacks the scope the route needs.',
  body: 'Problem',
  headers: ['WWW-Authenticate'],
};
const notFound: ResponseSpec = {
  description: 'No such item for this partner (items of other partners are reported as not found).',
  body: 'Problem',
};
const invalid: ResponseSpec = {
  description:
    'Malformed JSON, a missing body, or a document that violates ninjs 2.2 or the Diplowire profile; `errors` points at each fault.',
  body: 'Problem',
};
const tooLarge: ResponseSpec = { description: 'The body exceeds the size limit.', body: 'Problem' };
const wrongMediaType: ResponseSpec = { description: 'The body is not `application/json`.', body: 'Problem' };
const stale: ResponseSpec = {
  description: '`If-Match` does not name the current version (or is weak or malformed).',
  body: 'Problem',
};
const ifMatchMissing: ResponseSpec = {
  description: '`If-Match` is missing (or is `*`, which cannot prevent lost updates).',
  body: 'Problem',
};
const internal: ResponseSpec = {
  description: 'An internal error; nothing about it is revealed.',
  body: 'Problem',
};
const subscriptionNotFound: ResponseSpec = {
  description: 'No such subscription for this partner (those of other partners are reported as not found).',
  body: 'Problem',
};
const receipt = (description: string, headers: readonly ResponseHeader[] = ['ETag']): ResponseSpec => ({
  description,
  body: 'ItemReceipt',
  headers,
});

export const ROUTES = {
  'POST /v1/items': {
    method: 'POST',
    path: '/v1/items',
    operationId: 'submitItem',
    summary: 'Submit a news item (idempotent per partner and uri)',
    function: 'items-write',
    scope: 'items:write',
    ninjsBody: true,
    ifMatch: false,
    responses: {
      200: receipt('The same content was already submitted under this uri; nothing changed.'),
      201: receipt('The item was created as version 1.', ['ETag', 'Location']),
      400: invalid,
      401: unauthorized,
      403: forbidden,
      409: {
        description:
          'The partner already submitted different content under this uri; correct it with PUT at `Location`.',
        body: 'Problem',
        headers: ['Location'],
      },
      413: tooLarge,
      415: wrongMediaType,
      500: internal,
    },
  },
  'PUT /v1/items/{id}': {
    method: 'PUT',
    path: '/v1/items/{id}',
    operationId: 'correctItem',
    summary: 'Correct an item: store a new version (the uri cannot change)',
    function: 'items-write',
    scope: 'items:write',
    ninjsBody: true,
    ifMatch: true,
    responses: {
      200: receipt(
        'The correction is stored as a new version, or the content was identical and nothing changed.',
      ),
      400: invalid,
      401: unauthorized,
      403: forbidden,
      404: notFound,
      409: { description: 'The item is retracted and cannot be corrected.', body: 'Problem' },
      412: stale,
      413: tooLarge,
      415: wrongMediaType,
      428: ifMatchMissing,
      500: internal,
    },
  },
  'DELETE /v1/items/{id}': {
    method: 'DELETE',
    path: '/v1/items/{id}',
    operationId: 'retractItem',
    summary: 'Retract an item: store a new version with pubstatus `canceled` (content is kept)',
    function: 'items-write',
    scope: 'items:write',
    ninjsBody: false,
    ifMatch: true,
    responses: {
      200: receipt('The item is retracted (or already was).'),
      401: unauthorized,
      403: forbidden,
      404: notFound,
      412: stale,
      428: ifMatchMissing,
      500: internal,
    },
  },
  'GET /v1/items/{id}': {
    method: 'GET',
    path: '/v1/items/{id}',
    operationId: 'getItem',
    summary: 'The latest version of an item, as stored',
    function: 'items-read',
    scope: 'items:read',
    ninjsBody: false,
    ifMatch: false,
    responses: {
      200: {
        description: 'The normalised ninjs document of the latest version.',
        body: 'Ninjs',
        headers: ['ETag'],
      },
      401: unauthorized,
      403: forbidden,
      404: notFound,
      500: internal,
    },
  },
  'GET /v1/items/{id}/versions': {
    method: 'GET',
    path: '/v1/items/{id}/versions',
    operationId: 'listItemVersions',
    summary: 'Every version of an item, oldest first',
    function: 'items-read',
    scope: 'items:read',
    ninjsBody: false,
    ifMatch: false,
    responses: {
      200: { description: 'The versions of the item.', body: 'VersionList', headers: ['ETag'] },
      401: unauthorized,
      403: forbidden,
      404: notFound,
      500: internal,
    },
  },
  'GET /v1/items/{id}/versions/{version}': {
    method: 'GET',
    path: '/v1/items/{id}/versions/{version}',
    operationId: 'getItemVersion',
    summary: 'One version of an item, as stored',
    function: 'items-read',
    scope: 'items:read',
    ninjsBody: false,
    ifMatch: false,
    responses: {
      200: {
        description: 'The normalised ninjs document of that version.',
        body: 'Ninjs',
        headers: ['ETag'],
      },
      401: unauthorized,
      403: forbidden,
      404: { description: 'No such item for this partner, or no such version.', body: 'Problem' },
      500: internal,
    },
  },
  'GET /v1/items/{id}/translations/{lang}': {
    method: 'GET',
    path: '/v1/items/{id}/translations/{lang}',
    operationId: 'getItemTranslation',
    summary: 'The latest translation of an item into a language (see docs/translation.md)',
    function: 'items-read',
    scope: 'items:read',
    ninjsBody: false,
    ifMatch: false,
    responses: {
      200: {
        description:
          'The translation of the latest translated version; when no version was translated, the outcome ' +
          'recorded for the latest version (e.g. `status: skipped` with its `reason`).',
        body: 'ItemTranslation',
      },
      401: unauthorized,
      403: forbidden,
      404: {
        description:
          'No such item for this partner, no translation into that language, or a language tag that is not BCP 47.',
        body: 'Problem',
      },
      500: internal,
    },
  },

  'POST /v1/subscriptions': {
    method: 'POST',
    path: '/v1/subscriptions',
    operationId: 'createSubscription',
    summary: 'Register a webhook subscription; the signing secret is shown only in this response',
    function: 'subscriptions-api',
    scope: 'webhooks:manage',
    ninjsBody: false,
    ifMatch: false,
    jsonBody: 'CreateSubscriptionRequest',
    responses: {
      201: {
        description: 'The subscription, with its signing secret.',
        body: 'SubscriptionWithSecret',
        headers: ['Location'],
      },
      400: {
        description: 'Invalid body or refused URL; `errors` points at each fault (e.g. `/url`).',
        body: 'Problem',
      },
      401: unauthorized,
      403: forbidden,
      409: { description: 'The partner has the maximum number of subscriptions.', body: 'Problem' },
      500: internal,
    },
  },
  'GET /v1/subscriptions': {
    method: 'GET',
    path: '/v1/subscriptions',
    operationId: 'listSubscriptions',
    summary: "The caller's subscriptions, newest first",
    function: 'subscriptions-api',
    scope: 'webhooks:manage',
    ninjsBody: false,
    ifMatch: false,
    paginated: true,
    responses: {
      200: {
        description: 'One page of subscriptions; `next` is the cursor of the next page.',
        body: 'SubscriptionList',
      },
      400: { description: 'Invalid `limit` or `cursor`.', body: 'Problem' },
      401: unauthorized,
      403: forbidden,
      500: internal,
    },
  },
  'GET /v1/subscriptions/{id}': {
    method: 'GET',
    path: '/v1/subscriptions/{id}',
    operationId: 'getSubscription',
    summary: 'One subscription (never its secret)',
    function: 'subscriptions-api',
    scope: 'webhooks:manage',
    ninjsBody: false,
    ifMatch: false,
    responses: {
      200: { description: 'The subscription, with `disabledReason` when disabled.', body: 'Subscription' },
      401: unauthorized,
      403: forbidden,
      404: subscriptionNotFound,
      500: internal,
    },
  },
  'DELETE /v1/subscriptions/{id}': {
    method: 'DELETE',
    path: '/v1/subscriptions/{id}',
    operationId: 'deleteSubscription',
    summary: 'Delete a subscription; pending deliveries are cancelled',
    function: 'subscriptions-api',
    scope: 'webhooks:manage',
    ninjsBody: false,
    ifMatch: false,
    responses: {
      204: { description: 'Deleted.', body: 'NoContent' },
      401: unauthorized,
      403: forbidden,
      404: subscriptionNotFound,
      500: internal,
    },
  },
  'POST /v1/subscriptions/{id}/rotate-secret': {
    method: 'POST',
    path: '/v1/subscriptions/{id}/rotate-secret',
    operationId: 'rotateSubscriptionSecret',
    summary: 'Replace the signing secret; the old one keeps signing during the rotation window',
    function: 'subscriptions-api',
    scope: 'webhooks:manage',
    ninjsBody: false,
    ifMatch: false,
    responses: {
      200: { description: 'The new secret, shown only here.', body: 'RotatedSecret' },
      401: unauthorized,
      403: forbidden,
      404: subscriptionNotFound,
      409: { description: 'A concurrent rotation won; retry.', body: 'Problem' },
      500: internal,
    },
  },
  'GET /v1/subscriptions/{id}/deliveries': {
    method: 'GET',
    path: '/v1/subscriptions/{id}/deliveries',
    operationId: 'listDeliveries',
    summary: 'Deliveries of a subscription with every attempt, newest first',
    function: 'subscriptions-api',
    scope: 'webhooks:manage',
    ninjsBody: false,
    ifMatch: false,
    paginated: true,
    responses: {
      200: { description: 'One page of deliveries.', body: 'DeliveryList' },
      400: { description: 'Invalid `limit` or `cursor`.', body: 'Problem' },
      401: unauthorized,
      403: forbidden,
      404: subscriptionNotFound,
      500: internal,
    },
  },
  'POST /v1/subscriptions/{id}/deliveries/{deliveryId}/redeliver': {
    method: 'POST',
    path: '/v1/subscriptions/{id}/deliveries/{deliveryId}/redeliver',
    operationId: 'redeliver',
    summary: 'Queue a fresh attempt sequence of a delivery, with the same webhook-id',
    function: 'subscriptions-api',
    scope: 'webhooks:manage',
    ninjsBody: false,
    ifMatch: false,
    responses: {
      202: { description: 'Queued.', body: 'Delivery' },
      401: unauthorized,
      403: forbidden,
      404: { description: 'No such subscription for this partner, or no such delivery.', body: 'Problem' },
      409: { description: 'The subscription is disabled.', body: 'Problem' },
      500: internal,
    },
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteKey = keyof typeof ROUTES;

/**
 * Catch-all route keys: a known path with a method it does not support answers 405 with `Allow`;
 * any other path answers 404. They are served by items-read and are not API operations.
 */
export const METHOD_FALLBACK_ROUTES = {
  'ANY /v1/items': '/v1/items',
  'ANY /v1/items/{id}': '/v1/items/{id}',
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

export function routeSpecs(): (RouteSpec & { key: RouteKey })[] {
  return (Object.entries(ROUTES) as [RouteKey, RouteSpec][]).map(([key, spec]) => ({ ...spec, key }));
}

/** The methods the API supports on a path template, in route-table order (for `Allow`). */
export function allowedMethods(path: string): HttpMethod[] {
  return routeSpecs()
    .filter((route) => route.path === path)
    .map((route) => route.method);
}
