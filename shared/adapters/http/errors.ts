import { DiplowireError } from '../../domain/errors';

/**
 * 403: the caller is authenticated but its key lacks the scope the route needs (RFC 6750 §3.1
 * `insufficient_scope`). It is an HTTP concern, so it lives in the HTTP adapter.
 */
export class ForbiddenError extends DiplowireError {
  readonly status = 403;
  readonly slug = 'insufficient-scope';
  readonly title = 'The API key lacks a required scope';
}
