/** How the feed route is documented in the OpenAPI document. */
import type { RouteKey } from '../routes';
import { forbidden, internal, listOf, unauthorized } from './responses';
import type { RouteDoc } from './types';

type FeedRouteKey = Extract<RouteKey, `${string} /v1/feed${string}`>;

export const FEED_ROUTE_DOCS: { readonly [K in FeedRouteKey]: RouteDoc } = {
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
};
