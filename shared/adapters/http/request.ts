import type { Scope } from '../../contracts/api/authorizer-context';
import {
  NotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
  UnauthorizedError,
} from '../../domain/errors';
import { isId } from '../../domain/ids';
import { type BodyRules, decodeJsonObject } from '../../domain/ingest/body';
import { assertJsonMediaType } from '../../domain/ingest/media-type';
import { ForbiddenError } from './errors';
import type { HttpEvent } from './types';

/** The partner a request acts for, as established by the Lambda authorizer (never by the body). */
export interface AuthenticatedCaller {
  partnerId: string;
  partnerName: string;
  scopes: ReadonlySet<string>;
}

/**
 * The request body as a JSON object, decoded the one way item submission does (JSON media type,
 * base64, size limit, strict UTF-8, JSON object): 415 for another media type, 413 past
 * `rules.maxBytes`, 400 problems with JSON pointers otherwise.
 */
export function jsonBody(event: HttpEvent, rules: BodyRules): Record<string, unknown> {
  assertJsonMediaType(header(event, 'content-type'));
  return decodeJsonObject(event.body, event.isBase64Encoded ?? false, rules);
}

/** Request header by name; API Gateway payload 2.0 lower-cases header names. */
export function header(event: HttpEvent, name: string): string | undefined {
  return event.headers?.[name.toLowerCase()];
}

/**
 * Reads the caller from `requestContext.authorizer.lambda`. The authorizer always allows and
 * marks bad keys with `authError`, because an HTTP API authorizer deny can only be a 403.
 */
export function requireCaller(event: HttpEvent): AuthenticatedCaller {
  const context = event.requestContext.authorizer?.lambda;
  const partnerId = context?.partnerId;
  if (typeof partnerId === 'string' && partnerId !== '') {
    const scopes = typeof context?.scopes === 'string' ? context.scopes.split(' ').filter(Boolean) : [];
    const partnerName = typeof context?.partnerName === 'string' ? context.partnerName : '';
    return { partnerId, partnerName, scopes: new Set(scopes) };
  }
  if (context?.authError !== undefined) {
    throw new UnauthorizedError('The API key is not valid.', {
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
  }
  throw new UnauthorizedError('An API key is required: send Authorization: Bearer <key>.', {
    headers: { 'WWW-Authenticate': 'Bearer' },
  });
}

/** Passes when the caller holds the scope, or for a list, any one of them. */
export function requireScope(caller: AuthenticatedCaller, scope: Scope | readonly Scope[]): void {
  const anyOf: readonly Scope[] = typeof scope === 'string' ? [scope] : scope;
  if (anyOf.some((one) => caller.scopes.has(one))) return;
  const named = anyOf.join(' ');
  throw new ForbiddenError(`This route needs the scope ${anyOf.join(' or ')}.`, {
    headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${named}"` },
    extensions: { requiredScope: anyOf.length === 1 ? anyOf[0] : anyOf },
  });
}

const STRONG_VERSION_TAG = /^"([1-9][0-9]{0,8})"$/;

/**
 * Parses `If-Match` into the expected version. Only one strong tag naming a version is accepted:
 * - absent -> undefined (the domain answers 428 where a precondition is required);
 * - `*` -> 428: it matches any current version, so it cannot prevent a lost update;
 * - `W/"3"` -> 412: If-Match uses strong comparison (RFC 9110 §13.1.1), a weak tag never matches;
 * - anything else (lists, unquoted, not a version) -> 412: it cannot match the current ETag.
 */
export function parseIfMatch(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const tag = value.trim();
  if (tag === '*') {
    throw new PreconditionRequiredError(
      'If-Match: * cannot prevent lost updates; send the ETag of the version you are changing, e.g. If-Match: "3".',
    );
  }
  const match = STRONG_VERSION_TAG.exec(tag);
  if (match) return Number(match[1]);
  if (/^W\//i.test(tag)) {
    throw new PreconditionFailedError(
      'Weak entity tags never match If-Match; send the strong ETag, e.g. "3".',
    );
  }
  throw new PreconditionFailedError(
    'If-Match does not match the current ETag; send one strong ETag, e.g. "3".',
  );
}

/** A path parameter; a missing one means the route template does not match the request. */
export function pathParam(event: HttpEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (value === undefined || value === '') throw new NotFoundError('The resource does not exist.');
  return value;
}

/** The `{id}` path parameter; ids that cannot exist are 404 before any storage call. */
export function itemIdParam(event: HttpEvent): string {
  const id = pathParam(event, 'id');
  if (!isId(id, 'itm')) throw new NotFoundError('The item does not exist.');
  return id;
}

const VERSION_PARAM = /^[1-9][0-9]{0,8}$/;

/** The `{version}` path parameter: a positive integer (as stored, at most 9 digits), else 404. */
export function versionParam(event: HttpEvent): number {
  const version = pathParam(event, 'version');
  if (!VERSION_PARAM.test(version)) throw new NotFoundError('The version does not exist.');
  return Number(version);
}
