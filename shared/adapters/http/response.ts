import type { HttpResponse } from './types';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Lower-cases header names so a header set twice (e.g. by an error and a default) cannot appear twice. */
export function normaliseHeaders(...sets: (Record<string, string> | undefined)[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const set of sets) {
    for (const [name, value] of Object.entries(set ?? {})) headers[name.toLowerCase()] = value;
  }
  return headers;
}

/** A JSON response. `body` must serialise to JSON: an `undefined` body is a bug, not an empty response. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  const text = JSON.stringify(body);
  if (text === undefined) throw new TypeError('A JSON response needs a body that serialises to JSON');
  return jsonText(statusCode, text, headers);
}

/** A JSON response whose body is already serialised (a stored document, returned byte for byte). */
export function jsonText(
  statusCode: number,
  text: string,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: normaliseHeaders({ 'content-type': JSON_CONTENT_TYPE }, headers),
    body: text,
  };
}
