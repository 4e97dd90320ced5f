import { describe, expect, it } from 'vitest';
import { InvalidRouteKeyError, RouteTable } from '#local/apigw/routes.ts';

const table = (keys: string[]) => new RouteTable(keys.map((routeKey) => ({ routeKey, target: routeKey })));

describe('HTTP API route selection', () => {
  // The example from the API Gateway developer guide ("Routing API requests").
  const documented = table([
    'GET /pets/dog/1',
    'GET /pets/dog/{id}',
    'GET /pets/{proxy+}',
    'ANY /{proxy+}',
    '$default',
  ]);

  it.each([
    ['GET', '/pets/dog/1', 'GET /pets/dog/1'],
    ['GET', '/pets/dog/2', 'GET /pets/dog/{id}'],
    ['GET', '/pets/cat/1', 'GET /pets/{proxy+}'],
    ['POST', '/pets/dog/1', 'ANY /{proxy+}'],
    ['GET', '/', '$default'],
  ])('%s %s selects %s', (method, path, expected) => {
    expect(documented.select(method, path)?.routeKey).toBe(expected);
  });

  it('prefers a named method over ANY on the same path, and ANY over a greedy match', () => {
    const routes = table(['GET /v1/items/{id}', 'ANY /v1/items/{id}', 'ANY /{proxy+}']);
    expect(routes.select('GET', '/v1/items/a')?.routeKey).toBe('GET /v1/items/{id}');
    expect(routes.select('PATCH', '/v1/items/a')?.routeKey).toBe('ANY /v1/items/{id}');
    expect(routes.select('GET', '/v1/items/a/b')?.routeKey).toBe('ANY /{proxy+}');
  });

  it('prefers literal segments over path variables', () => {
    const routes = table(['GET /v1/{kind}/x', 'GET /v1/items/{id}']);
    expect(routes.select('GET', '/v1/items/x')?.routeKey).toBe('GET /v1/items/{id}');
  });

  it('decodes path parameters and captures greedy remainders', () => {
    const routes = table(['GET /v1/items/{id}/versions/{version}', 'GET /files/{path+}']);
    expect(routes.select('GET', '/v1/items/a%20b/versions/3')?.pathParameters).toEqual({
      id: 'a b',
      version: '3',
    });
    expect(routes.select('GET', '/files/a/b/c.txt')?.pathParameters).toEqual({ path: 'a/b/c.txt' });
  });

  it('does not match a greedy variable without a child resource, nor an empty path variable', () => {
    const routes = table(['GET /files/{path+}', 'GET /items/{id}']);
    expect(routes.select('GET', '/files')).toBeUndefined();
    expect(routes.select('GET', '/items/')).toBeUndefined();
  });

  it('omits pathParameters for routes without variables and returns undefined without a match', () => {
    const routes = table(['GET /health']);
    expect(routes.select('GET', '/health')).toEqual({
      routeKey: 'GET /health',
      target: 'GET /health',
      pathParameters: undefined,
    });
    expect(routes.select('POST', '/health')).toBeUndefined();
  });

  it('rejects malformed route keys', () => {
    expect(() => table(['GET /a/{rest+}/b'])).toThrow(InvalidRouteKeyError);
    expect(() => table(['get /a'])).toThrow(InvalidRouteKeyError);
  });
});
