/**
 * The RFC 9457 problem types the API emits: the one list that the typed errors
 * (shared/domain/errors.ts), the problem responses, the OpenAPI document and docs/problems.md
 * derive from. A type URI is `/problems/<slug>`, relative to the API, which serves its
 * documentation at that path (`GET /problems/{slug}`); docs/problems.md has an anchor per slug.
 */
export const PROBLEM_TYPES = {
  'validation-error': {
    status: 400,
    title: 'The request is not valid',
    when: 'Malformed JSON, an empty body, invalid UTF-8, a ninjs 2.2 schema or profile violation, an unknown field, `pubstatus: canceled`, a change of `uri`, an invalid query parameter or cursor.',
    fix: 'Each entry of `errors` has a JSON `pointer` into your body and a `message`; fix those fields and send again.',
  },
  unauthorized: {
    status: 401,
    title: 'Missing or invalid credentials',
    when: 'No `Authorization: Bearer` header, or an unknown, revoked or malformed API key.',
    fix: 'Send a valid partner API key (`dwk_...`); `WWW-Authenticate` says which check failed.',
  },
  'insufficient-scope': {
    status: 403,
    title: 'The API key lacks a required scope',
    when: "The key is valid but lacks the route's scope (member `requiredScope`, also in `WWW-Authenticate`).",
    fix: 'Ask the operators for a key with that scope.',
  },
  'not-found': {
    status: 404,
    title: 'Not found',
    when: 'No such item, version, translation, subscription or delivery for you (other partners’ resources look exactly like ids that do not exist), or an unknown path.',
    fix: 'Check the id and the path; ids are `itm_`, `sub_` or `msg_` plus their characters.',
  },
  'method-not-allowed': {
    status: 405,
    title: 'Method not allowed',
    when: 'The path exists but does not support the method.',
    fix: 'Use one of the methods listed in `Allow`.',
  },
  conflict: {
    status: 409,
    title: 'Conflict with the current state',
    when: 'Different content under a uri you already submitted (`Location`, `itemId`, `version`), correcting a retracted item, the subscription limit, a concurrent secret rotation, redelivering on a disabled subscription.',
    fix: 'Read `detail`: correct the existing item with `PUT` at `Location`, or retry a concurrent change.',
  },
  'version-limit': {
    status: 409,
    title: 'The item has reached its version limit',
    when: 'A correction of an item that already has 999 versions (members `itemId`, `version`, `maxVersions`); the 1,000th version is kept for a retraction, which is always accepted.',
    fix: 'Publish the story under a new uri (and retract this item if it should be withdrawn).',
  },
  'precondition-failed': {
    status: 412,
    title: 'The item has changed (stale If-Match)',
    when: '`If-Match` does not name the latest version, or is weak or malformed (members `itemId`, `version` = the latest).',
    fix: 'GET (or HEAD) the item for its current `ETag`, re-apply your change and send it with that `If-Match`.',
  },
  'payload-too-large': {
    status: 413,
    title: 'The request body is too large',
    when: 'The body is over its limit: 256 KiB for an item (as sent or once normalised to Unicode NFC), 16 KiB for a subscription.',
    fix: 'Send a smaller body.',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported content type',
    when: 'The body is not `application/json` (or `application/*+json`) in UTF-8.',
    fix: 'Send `Content-Type: application/json`.',
  },
  'precondition-required': {
    status: 428,
    title: 'If-Match is required',
    when: '`If-Match` is missing, or is `*` (which cannot prevent lost updates).',
    fix: 'Send the ETag of the version you are changing, e.g. `If-Match: "3"`.',
  },
  'too-many-requests': {
    status: 429,
    title: 'Too many requests from this partner',
    when: 'You are over your fair share of requests.',
    fix: 'Wait `Retry-After` seconds, then retry.',
  },
  'internal-error': {
    status: 500,
    title: 'Internal server error',
    when: 'Anything unexpected. The response never describes the fault; its `requestId` lets you quote the request to the operators.',
    fix: 'Retry later; if it persists, report the `requestId`.',
  },
} as const satisfies Record<string, { status: number; title: string; when: string; fix: string }>;

export type ProblemSlug = keyof typeof PROBLEM_TYPES;

/** Where the API serves the documentation of its problem types, and the prefix of every type URI. */
export const PROBLEMS_PATH = '/problems';

/** The RFC 9457 `type` URI of a problem type, relative to the API. */
export function problemTypeUri(slug: ProblemSlug): string {
  return `${PROBLEMS_PATH}/${slug}`;
}

/** The public route (no API key) at which the API documents its problem types. */
export const PROBLEM_DOCS_ROUTE = `GET ${PROBLEMS_PATH}/{slug}`;
