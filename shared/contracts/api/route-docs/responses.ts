/** Responses and query parameters several routes document alike. */
import type { QueryParameter, ResponseHeader, ResponseSpec } from './types';

export const unauthorized: ResponseSpec = {
  description: 'No valid API key (`WWW-Authenticate: Bearer`).',
  body: 'Problem',
  headers: ['WWW-Authenticate'],
};
export const forbidden: ResponseSpec = {
  description: 'The API key lacks the scope the route needs.',
  body: 'Problem',
  headers: ['WWW-Authenticate'],
};
export const notFound: ResponseSpec = {
  description: 'No such item for this partner (items of other partners are reported as not found).',
  body: 'Problem',
};
export const invalid: ResponseSpec = {
  description:
    'Malformed JSON, a missing body, or a document that violates ninjs 2.2 or the Diplowire profile; `errors` points at each fault.',
  body: 'Problem',
};
export const tooLarge: ResponseSpec = { description: 'The body exceeds the size limit.', body: 'Problem' };
export const wrongMediaType: ResponseSpec = {
  description: 'The body is not `application/json`.',
  body: 'Problem',
};
export const stale: ResponseSpec = {
  description: '`If-Match` does not name the current version (or is weak or malformed).',
  body: 'Problem',
};
export const ifMatchMissing: ResponseSpec = {
  description: '`If-Match` is missing (or is `*`, which cannot prevent lost updates).',
  body: 'Problem',
};
export const internal: ResponseSpec = {
  description: 'An internal error; nothing about it is revealed.',
  body: 'Problem',
};
export const subscriptionNotFound: ResponseSpec = {
  description: 'No such subscription for this partner (those of other partners are reported as not found).',
  body: 'Problem',
};
export const receipt = (
  description: string,
  headers: readonly ResponseHeader[] = ['ETag'],
): ResponseSpec => ({
  description,
  body: 'ItemReceipt',
  headers,
});

export const listOf = (what: string) => `Comma-separated ${what}; within what the caller may see.`;

/** `cursor` and `limit` of a listing paged with signed cursors (1 to 200 per page, default 50). */
export function pageQuery(cursorNote: string, perPage: string): QueryParameter[] {
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
