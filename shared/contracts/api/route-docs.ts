import type { ProblemSlug } from './problem-types';
import { getRouteOf, HEAD_ROUTES, type HeadRouteKey, type RouteKey } from './routes';

/**
 * How each route of the table in `routes.ts` is documented in the OpenAPI document: its operation,
 * request body and responses. Keyed by route key, and every route must have an entry. Only build
 * and test code reads this (the OpenAPI generator), so it stays out of the Lambda bundles.
 */

/** What a response carries: one of the component schemas, the stored ninjs document, or nothing. */
export type ResponseBody =
  | 'ItemReceipt'
  | 'VersionList'
  | 'ItemList'
  | 'Ninjs'
  | 'ItemTranslation'
  | 'Problem'
  | 'Subscription'
  | 'SubscriptionWithSecret'
  | 'SubscriptionList'
  | 'RotatedSecret'
  | 'DeliveryList'
  | 'Delivery'
  | 'FeedPage'
  | 'NoContent';
export type ResponseHeader = 'ETag' | 'Location' | 'Allow' | 'WWW-Authenticate' | 'Retry-After';

export interface ResponseSpec {
  description: string;
  body: ResponseBody;
  headers?: readonly ResponseHeader[];
  /** The problem types this status can carry, when not just the one registered for the status. */
  problems?: readonly ProblemSlug[];
}

export interface QueryParameter {
  name: string;
  description: string;
  schema: { type: 'string' | 'integer' | 'boolean'; minimum?: number; maximum?: number; format?: string };
}

export interface RouteDoc {
  operationId: string;
  summary: string;
  /** The request body is a ninjs 2.2 document. */
  ninjsBody: boolean;
  /** The request must carry `If-Match` with the current ETag (optimistic concurrency). */
  ifMatch: boolean;
  /** A JSON request body described by this component schema. */
  jsonBody?: 'CreateSubscriptionRequest';
  /** Pagination query parameters (`limit`, `cursor`). */
  paginated?: boolean;
  /** Other query parameters. */
  query?: readonly QueryParameter[];
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

const listOf = (what: string) => `Comma-separated ${what}; within what the caller may see.`;

/** `cursor` and `limit` of a listing paged with signed cursors (1 to 200 per page, default 50). */
function pageQuery(cursorNote: string, perPage: string): QueryParameter[] {
  return [
    {
      name: 'cursor',
      description: `The \`cursor\` of the previous page: continue after it${cursorNote}.`,
      schema: { type: 'string' },
    },
    {
      name: 'limit',
      description: `${perPage} per page, 1 to 200 (default 50).`,
      schema: { type: 'integer', minimum: 1, maximum: 200 },
    },
  ];
}

export const ROUTE_DOCS: { readonly [K in RouteKey]: RouteDoc } = {
  'GET /v1/feed': {
    operationId: 'readFeed',
    summary: 'The changes the caller may see, in feed order, from a cursor (long-poll with `wait`)',
    ninjsBody: false,
    ifMatch: false,
    query: [
      {
        name: 'cursor',
        description: 'The `cursor` of the previous page: resume right after it.',
        schema: { type: 'string' },
      },
      {
        name: 'since',
        description:
          'Start at the first change recorded at or after this RFC 3339 time (not with `cursor`). Neither: from the oldest change.',
        schema: { type: 'string', format: 'date-time' },
      },
      {
        name: 'limit',
        description: 'Entries per page, 1 to 200 (default 50).',
        schema: { type: 'integer', minimum: 1, maximum: 200 },
      },
      {
        name: 'wait',
        description:
          'Seconds (0 to 20) to hold an empty page open until a visible change arrives (long-poll).',
        schema: { type: 'integer', minimum: 0, maximum: 20 },
      },
      {
        name: 'language',
        description: listOf('item languages (primary subtags)'),
        schema: { type: 'string' },
      },
      { name: 'source', description: listOf('source partner ids'), schema: { type: 'string' } },
      { name: 'type', description: listOf('change types (detail-types)'), schema: { type: 'string' } },
      { name: 'place', description: listOf('place codes'), schema: { type: 'string' } },
      { name: 'subject', description: listOf('subject codes'), schema: { type: 'string' } },
      {
        name: 'lang',
        description: 'Attach the translation into this language where one exists.',
        schema: { type: 'string' },
      },
      {
        name: 'held',
        description:
          "Also show held (embargoed, withheld) versions: your own, or others' if entitled to embargoed content.",
        schema: { type: 'boolean' },
      },
    ],
    responses: {
      200: {
        description: 'One page: `entries` in feed order and the `cursor` that resumes after them.',
        body: 'FeedPage',
        headers: ['ETag'],
      },
      304: {
        description: '`If-None-Match` matches: the page has not changed.',
        body: 'NoContent',
        headers: ['ETag'],
      },
      400: {
        description: "An invalid query parameter; a malformed, forged, expired or another partner's cursor.",
        body: 'Problem',
      },
      401: unauthorized,
      403: forbidden,
      500: internal,
    },
  },
  'POST /v1/items': {
    operationId: 'submitItem',
    summary: 'Submit a news item (idempotent per partner and uri)',
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
    operationId: 'correctItem',
    summary: 'Correct an item: store a new version (the uri cannot change)',
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
      409: {
        description:
          'The item is retracted and cannot be corrected (problem type `conflict`), or has 999 versions, the most a correction may reach (type `version-limit`; a retraction is still accepted).',
        body: 'Problem',
        problems: ['conflict', 'version-limit'],
      },
      412: stale,
      413: tooLarge,
      415: wrongMediaType,
      428: ifMatchMissing,
      500: internal,
    },
  },
  'DELETE /v1/items/{id}': {
    operationId: 'retractItem',
    summary: 'Retract an item: store a new version with pubstatus `canceled` (content is kept)',
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
  'GET /v1/items': {
    operationId: 'listItems',
    summary: "The caller's own items, latest change first, held ones included (with their release state)",
    ninjsBody: false,
    ifMatch: false,
    query: [
      ...pageQuery('', 'Items'),
      {
        name: 'language',
        description: 'Comma-separated item languages (primary subtags).',
        schema: { type: 'string' },
      },
      {
        name: 'type',
        description:
          'Comma-separated event types of the latest version: NewsItemPublished, NewsItemCorrected, NewsItemRetracted.',
        schema: { type: 'string' },
      },
      { name: 'place', description: 'Comma-separated place codes.', schema: { type: 'string' } },
      { name: 'subject', description: 'Comma-separated subject codes.', schema: { type: 'string' } },
      {
        name: 'held',
        description: '`true`: only items held now (embargoed, withheld); `false`: only items not held.',
        schema: { type: 'boolean' },
      },
    ],
    responses: {
      200: {
        description: 'One page of items and, when there are more, the `cursor` of the next.',
        body: 'ItemList',
      },
      400: {
        description: "An invalid query parameter; a malformed, forged or another partner's cursor.",
        body: 'Problem',
      },
      401: unauthorized,
      403: forbidden,
      500: internal,
    },
  },
  'GET /v1/items/{id}': {
    operationId: 'getItem',
    summary: 'The latest version of an item, as stored',
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
    operationId: 'listItemVersions',
    summary: 'The versions of an item, oldest first, a page at a time (summaries, not documents)',
    ninjsBody: false,
    ifMatch: false,
    query: pageQuery(' (valid for this item only)', 'Versions (an item has at most 1,000)'),
    responses: {
      200: {
        description:
          'One page of versions and, when there are later ones, the `cursor` of the next page. `ETag` is the latest version.',
        body: 'VersionList',
        headers: ['ETag'],
      },
      400: {
        description:
          "An invalid `limit`; a malformed, forged, expired, another item's or another partner's cursor.",
        body: 'Problem',
      },
      401: unauthorized,
      403: forbidden,
      404: notFound,
      500: internal,
    },
  },
  'GET /v1/items/{id}/versions/{version}': {
    operationId: 'getItemVersion',
    summary: 'One version of an item, as stored',
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
    operationId: 'getItemTranslation',
    summary: 'The latest translation of an item into a language (see docs/translation.md)',
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
    operationId: 'createSubscription',
    summary: 'Register a webhook subscription; the signing secret is shown only in this response',
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
      413: { description: 'The body exceeds 16 KiB.', body: 'Problem' },
      415: wrongMediaType,
      500: internal,
    },
  },
  'GET /v1/subscriptions': {
    operationId: 'listSubscriptions',
    summary: "The caller's subscriptions, newest first",
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
    operationId: 'getSubscription',
    summary: 'One subscription (never its secret)',
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
    operationId: 'deleteSubscription',
    summary: 'Delete a subscription; pending deliveries are cancelled',
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
    operationId: 'rotateSubscriptionSecret',
    summary: 'Replace the signing secret; the old one keeps signing during the rotation window',
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
    operationId: 'listDeliveries',
    summary: 'Deliveries of a subscription with every attempt, newest first',
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
    operationId: 'redeliver',
    summary: 'Queue a fresh attempt sequence of a delivery, with the same webhook-id',
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
