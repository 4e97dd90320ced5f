/** The API handlers' routing answers (405, 404) and an internal fault that reveals nothing. */
import { describe, expect, it, vi } from 'vitest';
import { newId } from '#shared/domain/ids.ts';
import { responseHeader } from '../support/api-events';
import { expectProblem, item, logged, partnerA, read, send } from '../support/items-api';

describe('routing', () => {
  it('405 with Allow for a method a known path does not support', async () => {
    const cases = [
      ['ANY /v1/items', 'PATCH', '/v1/items', 'POST, GET, HEAD'],
      ['ANY /v1/items/{id}', 'PATCH', `/v1/items/${newId('itm')}`, 'PUT, DELETE, GET, HEAD'],
      ['ANY /v1/items/{id}/versions', 'POST', `/v1/items/${newId('itm')}/versions`, 'GET, HEAD'],
      ['ANY /v1/items/{id}/versions/{version}', 'PUT', `/v1/items/${newId('itm')}/versions/1`, 'GET, HEAD'],
      [
        'ANY /v1/items/{id}/translations/{lang}',
        'DELETE',
        `/v1/items/${newId('itm')}/translations/en`,
        'GET, HEAD',
      ],
      [
        'ANY /v1/subscriptions/{id}',
        'PUT',
        '/v1/subscriptions/sub_00000000000000000000000000',
        'GET, DELETE, HEAD',
      ],
    ] as const;
    for (const [routeKey, method, rawPath, allow] of cases) {
      const response = await send(read, { routeKey, method, rawPath, authorizer: partnerA });
      expect(expectProblem(response, 405, 'method-not-allowed').instance).toBe(rawPath);
      expect(responseHeader(response, 'allow')).toBe(allow);
    }
  });

  it('404 for an unknown route', async () => {
    const response = await send(read, { routeKey: 'ANY /{proxy+}', method: 'GET', rawPath: '/v2/items' });
    expect(expectProblem(response, 404, 'not-found').instance).toBe('/v2/items');
  });
});

describe('an internal fault', () => {
  it('is a 500 that reveals nothing, and is logged', async () => {
    // A second copy of the handler modules, configured with a table that does not exist.
    vi.resetModules();
    const previous = process.env.ITEMS_TABLE_NAME;
    process.env.ITEMS_TABLE_NAME = 'diplowire-missing-table';
    const broken = (await import('#functions/items-write/handler.ts')).handler;
    process.env.ITEMS_TABLE_NAME = previous;

    const response = await send(broken, {
      routeKey: 'POST /v1/items',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(item()),
      authorizer: partnerA,
    });
    const problem = expectProblem(response, 500, 'internal-error');
    expect(problem.detail).toBe('An internal error occurred. It has been logged.');
    for (const leak of ['missing-table', 'ResourceNotFound', 'Exception', 'dynamodb', 'stack', 'Error']) {
      expect(response.raw).not.toContain(leak);
    }
    expect(logged()).toContain('Unhandled error');
    expect(logged()).toContain('ResourceNotFoundException');
    expect(logged()).toContain('"InternalError"');
  });
});
