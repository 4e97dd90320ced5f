import { describe, expect, it } from 'vitest';
import {
  ForbiddenError,
  itemIdParam,
  parseIfMatch,
  requireCaller,
  requireScope,
  versionParam,
} from '#shared/adapters/http/index.ts';
import {
  NotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
  UnauthorizedError,
} from '#shared/domain/errors.ts';
import { newId } from '#shared/domain/ids.ts';
import { httpEvent, partnerContext } from '../../support/api-events';

describe('requireCaller', () => {
  it('reads the partner and its scopes from the authorizer context', () => {
    const caller = requireCaller(
      httpEvent({
        routeKey: 'POST /v1/items',
        authorizer: partnerContext('ptn_A', 'items:read items:write'),
      }),
    );
    expect(caller.partnerId).toBe('ptn_A');
    expect([...caller.scopes]).toEqual(['items:read', 'items:write']);
  });

  it('answers 401 with a Bearer challenge when the context has no partner', () => {
    for (const authorizer of [null, {}, { partnerId: '' }, { partnerId: 42 }]) {
      const error = captureError(() => requireCaller(httpEvent({ routeKey: 'POST /v1/items', authorizer })));
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as UnauthorizedError).headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
    }
  });

  it('answers 401 invalid_token when the authorizer flagged the key', () => {
    const error = captureError(() =>
      requireCaller(httpEvent({ routeKey: 'POST /v1/items', authorizer: { authError: 'invalid-key' } })),
    );
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).headers).toEqual({
      'WWW-Authenticate': 'Bearer error="invalid_token"',
    });
  });

  it('ignores a partnerId in the body or headers', () => {
    const event = httpEvent({
      routeKey: 'POST /v1/items',
      authorizer: null,
      headers: { 'x-partner-id': 'ptn_EVIL', 'content-type': 'application/json' },
      body: JSON.stringify({ partnerId: 'ptn_EVIL', uri: 'urn:x', language: 'en' }),
    });
    expect(() => requireCaller(event)).toThrow(UnauthorizedError);
  });
});

describe('requireScope', () => {
  it('passes with the scope and answers 403 insufficient_scope without it', () => {
    const caller = { partnerId: 'ptn_A', partnerName: 'A', scopes: new Set(['items:read']) };
    expect(() => requireScope(caller, 'items:read')).not.toThrow();
    const error = captureError(() => requireScope(caller, 'items:write'));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as ForbiddenError).status).toBe(403);
    expect((error as ForbiddenError).headers?.['WWW-Authenticate']).toBe(
      'Bearer error="insufficient_scope", scope="items:write"',
    );
  });
});

describe('parseIfMatch', () => {
  it.each([
    ['"1"', 1],
    ['"3"', 3],
    ['  "42" ', 42],
    ['"999999999"', 999_999_999],
  ])('accepts the strong tag %s', (header, version) => {
    expect(parseIfMatch(header)).toBe(version);
  });

  it.each([[undefined], [''], ['   ']])('treats %j as absent', (header) => {
    expect(parseIfMatch(header)).toBeUndefined();
  });

  it('refuses * with 428: it cannot prevent a lost update', () => {
    expect(() => parseIfMatch('*')).toThrow(PreconditionRequiredError);
  });

  it.each(['W/"3"', 'w/"3"', '3', '"0"', '"-1"', '"03"', '"1.5"', '"abc"', '"1", "2"', '"1000000000"', '"3'])(
    'answers 412 to %s',
    (header) => {
      expect(() => parseIfMatch(header)).toThrow(PreconditionFailedError);
    },
  );
});

describe('path parameters', () => {
  const id = newId('itm');
  const event = (pathParameters: Record<string, string>) =>
    httpEvent({ routeKey: 'GET /v1/items/{id}/versions/{version}', pathParameters });

  it('accepts a well-formed item id and positive version', () => {
    expect(itemIdParam(event({ id, version: '7' }))).toBe(id);
    expect(versionParam(event({ id, version: '7' }))).toBe(7);
  });

  it.each(['0', '-1', '01', '1.0', 'x', '1e3', '1234567890', ''])('answers 404 to version %j', (version) => {
    expect(() => versionParam(event({ id, version }))).toThrow(NotFoundError);
  });

  it.each(['nope', `ptn_${id.slice(4)}`, `${id}x`, id.toLowerCase(), 'x'.repeat(5000)])(
    'answers 404 to item id %s without looking it up',
    (badId) => {
      expect(() => itemIdParam(event({ id: badId, version: '1' }))).toThrow(NotFoundError);
    },
  );
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
