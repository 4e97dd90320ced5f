import middy from '@middy/core';
import { describe, expect, it, vi } from 'vitest';
import { INTERNAL_ERROR_DETAIL, json, problemDetails } from '#shared/adapters/http/index.ts';
import type { HttpEvent, HttpResponse } from '#shared/adapters/http/types.ts';
import { Logger } from '#shared/adapters/logger.ts';
import { Problem } from '#shared/contracts/api/schemas.ts';
import { ConflictError, ItemExistsError, ValidationError } from '#shared/domain/errors.ts';
import { httpEvent, lambdaContext, responseHeader } from '../../support/api-events';

function handlerThrowing(error: unknown) {
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const errorLog = vi.spyOn(logger, 'error');
  const handler = middy<HttpEvent, HttpResponse>()
    .use(problemDetails({ logger }))
    .handler(async () => {
      throw error;
    });
  return { handler, errorLog };
}

const event = () => httpEvent({ routeKey: 'POST /v1/items', rawPath: '/v1/items' });

describe('problemDetails', () => {
  it('points Location at the item an ItemExistsError names (the domain names it, the route table spells it)', async () => {
    const { handler } = handlerThrowing(
      new ItemExistsError('itm_Y', 'An item with this uri already exists.', {
        extensions: { itemId: 'itm_Y', version: 2 },
      }),
    );
    const response = await handler(event(), lambdaContext());

    expect(response.statusCode).toBe(409);
    expect(responseHeader(response, 'location')).toBe('/v1/items/itm_Y');
    expect(JSON.parse(response.body)).toMatchObject({
      type: '/problems/conflict',
      itemId: 'itm_Y',
      version: 2,
    });
  });

  it('answers a typed error with RFC 9457 problem+json, its field errors, extensions and headers', async () => {
    const { handler } = handlerThrowing(
      new ConflictError('Already exists with different content.', {
        extensions: { itemId: 'itm_X', type: 'overwrite attempt', status: 200 },
        headers: { Location: '/v1/items/itm_X' },
        errors: [{ pointer: '/uri', message: 'taken' }],
      }),
    );
    const response = await handler(event(), lambdaContext());

    expect(response.statusCode).toBe(409);
    expect(responseHeader(response, 'content-type')).toBe('application/problem+json');
    expect(responseHeader(response, 'location')).toBe('/v1/items/itm_X');
    const body = Problem.parse(JSON.parse(response.body));
    expect(body).toEqual({
      type: '/problems/conflict',
      title: 'Conflict with the current state',
      status: 409,
      detail: 'Already exists with different content.',
      instance: '/v1/items',
      errors: [{ pointer: '/uri', message: 'taken' }],
      itemId: 'itm_X',
    });
  });

  it('never lets an error header replace the problem content type', async () => {
    const { handler } = handlerThrowing(
      new ValidationError('bad', { headers: { 'Content-Type': 'text/html' } }),
    );
    const response = await handler(event(), lambdaContext());
    expect(
      Object.keys(response.headers).filter((name) => name.toLowerCase() === 'content-type'),
    ).toHaveLength(1);
    expect(responseHeader(response, 'content-type')).toBe('application/problem+json');
  });

  it('answers anything else with a generic 500 that leaks nothing, and logs the real error', async () => {
    const secret = new TypeError('secret internals: table arn:aws:dynamodb:us-east-1:123:table/items');
    const { handler, errorLog } = handlerThrowing(secret);
    const response = await handler(event(), lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(responseHeader(response, 'content-type')).toBe('application/problem+json');
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({
      type: '/problems/internal-error',
      status: 500,
      detail: INTERNAL_ERROR_DETAIL,
      instance: '/v1/items',
    });
    for (const leak of ['secret', 'internals', 'arn:aws', 'TypeError', 'stack', 'at ']) {
      expect(response.body).not.toContain(leak);
    }
    expect(errorLog).toHaveBeenCalledWith('Unhandled error', secret);
  });

  it('handles thrown non-Error values the same way', async () => {
    const { handler, errorLog } = handlerThrowing('secret string');
    const response = await handler(event(), lambdaContext());
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret');
    expect(errorLog).toHaveBeenCalledWith('Unhandled error', { error: 'secret string' });
  });
});

describe('json', () => {
  it('serialises the body with a UTF-8 JSON content type and lower-cased headers', () => {
    const response = json(201, { a: 'ب' }, { ETag: '"1"', Location: '/v1/items/x' });
    expect(response).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json; charset=utf-8', etag: '"1"', location: '/v1/items/x' },
      body: '{"a":"ب"}',
    });
  });

  it('refuses a body that does not serialise, instead of returning an undefined body', () => {
    expect(() => json(200, undefined)).toThrow(TypeError);
  });
});
