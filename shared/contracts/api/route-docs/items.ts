/** How the item routes (submit, correct, retract, read, versions, translations) are documented in the OpenAPI document. */
import type { RouteKey } from '../routes';
import {
  forbidden,
  ifMatchMissing,
  internal,
  invalid,
  notFound,
  pageQuery,
  receipt,
  stale,
  tooLarge,
  unauthorized,
  wrongMediaType,
} from './responses';
import type { RouteDoc } from './types';

type ItemRouteKey = Extract<RouteKey, `${string} /v1/items${string}`>;

export const ITEM_ROUTE_DOCS: { readonly [K in ItemRouteKey]: RouteDoc } = {
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
};
