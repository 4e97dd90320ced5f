import type { ProblemSlug } from '../contracts/api/problem-types';

/**
 * Typed errors of the domain. Each maps to one RFC 9457 problem type; the HTTP adapter
 * turns them into `application/problem+json`. Anything that is not a DiplowireError is an
 * internal fault and is answered with a generic 500 that reveals nothing.
 */

/** One field at fault, located by an RFC 6901 JSON pointer into the request body. */
export interface FieldError {
  pointer: string;
  message: string;
}

/**
 * Field errors a problem reports at most; `omittedErrors` counts the rest. A body with tens of
 * thousands of unknown members must not get a response megabytes long.
 */
export const MAX_REPORTED_ERRORS = 100;

export abstract class DiplowireError extends Error {
  abstract readonly status: number;
  /** Short slug; the problem `type` URI is built from it (problemTypeUri, shared/contracts/api/problem-types.ts). */
  abstract readonly slug: ProblemSlug;
  abstract readonly title: string;
  readonly errors?: FieldError[];
  /** Extra problem members (RFC 9457 §3.2 extensions), e.g. the existing item's id. */
  readonly extensions?: Record<string, unknown>;
  /** Extra response headers, e.g. `Location` on a conflict or `Allow` on 405. */
  readonly headers?: Record<string, string>;

  constructor(
    detail: string,
    options: {
      errors?: FieldError[];
      extensions?: Record<string, unknown>;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(detail);
    this.name = new.target.name;
    if (options.errors) this.errors = options.errors.slice(0, MAX_REPORTED_ERRORS);
    const omittedErrors = (options.errors?.length ?? 0) - MAX_REPORTED_ERRORS;
    if (options.extensions || omittedErrors > 0) {
      this.extensions = { ...options.extensions, ...(omittedErrors > 0 && { omittedErrors }) };
    }
    if (options.headers) this.headers = options.headers;
  }
}

export class ValidationError extends DiplowireError {
  readonly status = 400;
  readonly slug = 'validation-error';
  readonly title = 'The request is not valid';
}

export class UnauthorizedError extends DiplowireError {
  readonly status = 401;
  readonly slug = 'unauthorized';
  readonly title = 'Missing or invalid credentials';
}

export class NotFoundError extends DiplowireError {
  readonly status = 404;
  readonly slug = 'not-found';
  readonly title = 'Not found';
}

export class MethodNotAllowedError extends DiplowireError {
  readonly status = 405;
  readonly slug = 'method-not-allowed';
  readonly title = 'Method not allowed';
}

export class ConflictError extends DiplowireError {
  readonly status = 409;
  readonly slug = 'conflict';
  readonly title = 'Conflict with the current state';
}

/** An item has as many versions as it may (MAX_ITEM_VERSIONS, less the one kept for a retraction). */
export class VersionLimitError extends DiplowireError {
  readonly status = 409;
  readonly slug = 'version-limit';
  readonly title = 'The item has reached its version limit';
}

export class PreconditionFailedError extends DiplowireError {
  readonly status = 412;
  readonly slug = 'precondition-failed';
  readonly title = 'The item has changed (stale If-Match)';
}

export class PayloadTooLargeError extends DiplowireError {
  readonly status = 413;
  readonly slug = 'payload-too-large';
  readonly title = 'The request body is too large';
}

export class UnsupportedMediaTypeError extends DiplowireError {
  readonly status = 415;
  readonly slug = 'unsupported-media-type';
  readonly title = 'Unsupported content type';
}

export class PreconditionRequiredError extends DiplowireError {
  readonly status = 428;
  readonly slug = 'precondition-required';
  readonly title = 'If-Match is required';
}

export class TooManyRequestsError extends DiplowireError {
  readonly status = 429;
  readonly slug = 'too-many-requests';
  readonly title = 'Too many requests from this partner';
}

/** Different content under a uri the partner already used: the HTTP layer points `Location` at the item. */
export class ItemExistsError extends ConflictError {
  constructor(
    readonly itemId: string,
    detail: string,
    options: { extensions?: Record<string, unknown> } = {},
  ) {
    super(detail, options);
  }
}
