import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { type AuthenticatedCaller, httpHandler, json } from '#shared/adapters/http/index.ts';
import type { HttpEvent } from '#shared/adapters/http/types.ts';
import { Logger } from '#shared/adapters/logger.ts';
import { Metrics } from '#shared/adapters/metrics.ts';
import { InMemoryPartnerRateGate } from '#shared/domain/rate-limit.ts';
import { httpEvent, lambdaContext, partnerContext, responseHeader } from '../../support/api-events';

function setup(options: { serveFallbacks?: boolean; fail?: Error } = {}) {
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const metrics = new Metrics({ namespace: 'DiplowireTest', serviceName: 'test' });
  const seen: { event: HttpEvent; caller: AuthenticatedCaller }[] = [];
  const handler = httpHandler(
    {
      'POST /v1/items': async (event, caller) => {
        seen.push({ event, caller });
        if (options.fail) throw options.fail;
        return json(201, { ok: true });
      },
      'GET /v1/items/{id}': async (event, caller) => {
        seen.push({ event, caller });
        return json(200, { read: true }, { ETag: '"3"' });
      },
    },
    { logger, metrics, serveFallbacks: options.serveFallbacks ?? false },
  );
  return { handler, seen, metrics };
}

const problem = (response: { body: string }) => JSON.parse(response.body);

describe('httpHandler', () => {
  let stdout: MockInstance<typeof process.stdout.write>;
  beforeEach(() => {
    // Metrics are flushed as EMF on stdout; keep the test output readable and inspectable.
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => stdout.mockRestore());

  it('dispatches on routeKey and hands the route the caller from the authorizer', async () => {
    const { handler, seen } = setup();
    const response = await handler(
      httpEvent({ routeKey: 'POST /v1/items', authorizer: partnerContext('ptn_A') }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(201);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.caller.partnerId).toBe('ptn_A');
  });

  it('refuses a request without a partner before the route runs', async () => {
    const { handler, seen } = setup();
    const response = await handler(
      httpEvent({ routeKey: 'POST /v1/items', authorizer: null }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(401);
    expect(responseHeader(response, 'www-authenticate')).toBe('Bearer');
    expect(seen).toHaveLength(0);
  });

  it('enforces the scope of the route table (write needs items:write, read needs items:read)', async () => {
    const { handler, seen } = setup();
    const readOnly = partnerContext('ptn_A', 'items:read');
    const write = await handler(
      httpEvent({ routeKey: 'POST /v1/items', authorizer: readOnly }),
      lambdaContext(),
    );
    expect(write.statusCode).toBe(403);
    expect(problem(write)).toMatchObject({
      type: '/problems/insufficient-scope',
      requiredScope: 'items:write',
    });

    const writeOnly = partnerContext('ptn_A', 'items:write');
    const read = await handler(
      httpEvent({ routeKey: 'GET /v1/items/{id}', pathParameters: { id: 'itm_x' }, authorizer: writeOnly }),
      lambdaContext(),
    );
    expect(read.statusCode).toBe(403);
    expect(seen).toHaveLength(0);
  });

  it('serves HEAD with the GET route: same checks, status and headers, no content', async () => {
    const { handler, seen } = setup();
    const head = (authorizer: ReturnType<typeof partnerContext> | null) =>
      handler(
        httpEvent({
          routeKey: 'HEAD /v1/items/{id}',
          method: 'HEAD',
          pathParameters: { id: 'itm_x' },
          authorizer,
        }),
        lambdaContext(),
      );
    const ok = await head(partnerContext('ptn_A'));
    expect(ok.statusCode).toBe(200);
    expect(responseHeader(ok, 'etag')).toBe('"3"');
    expect(ok.body).toBe('');
    expect(seen.map(({ event }) => event.routeKey)).toEqual(['HEAD /v1/items/{id}']);
    // Errors too: the GET route's checks apply, and the problem's content is dropped.
    const unauthenticated = await head(null);
    expect(unauthenticated.statusCode).toBe(401);
    expect(unauthenticated.body).toBe('');
    const wrongScope = await head(partnerContext('ptn_A', 'items:write'));
    expect(wrongScope.statusCode).toBe(403);
    expect(wrongScope.body).toBe('');
    expect(seen).toHaveLength(1);
  });

  it('answers 405 with Allow from the route table on the method fallbacks', async () => {
    const { handler } = setup({ serveFallbacks: true });
    const cases = [
      ['ANY /v1/items', 'PATCH', 'POST, GET, HEAD'],
      ['ANY /v1/items/{id}', 'PATCH', 'PUT, DELETE, GET, HEAD'],
      ['ANY /v1/items/{id}/versions', 'POST', 'GET, HEAD'],
      ['ANY /v1/items/{id}/versions/{version}', 'DELETE', 'GET, HEAD'],
    ] as const;
    for (const [routeKey, method, allow] of cases) {
      const response = await handler(
        httpEvent({ routeKey, method, pathParameters: { id: 'itm_x', version: '1' } }),
        lambdaContext(),
      );
      expect(response.statusCode, routeKey).toBe(405);
      expect(responseHeader(response, 'allow'), routeKey).toBe(allow);
      expect(problem(response)).toMatchObject({ type: '/problems/method-not-allowed', status: 405 });
    }
  });

  it('answers 404 on the catch-all route, and on routes this function does not serve', async () => {
    const withFallbacks = setup({ serveFallbacks: true });
    const unknown = await withFallbacks.handler(
      httpEvent({ routeKey: 'ANY /{proxy+}', method: 'GET', rawPath: '/v2/nothing' }),
      lambdaContext(),
    );
    expect(unknown.statusCode).toBe(404);
    expect(problem(unknown)).toMatchObject({ type: '/problems/not-found', instance: '/v2/nothing' });

    const withoutFallbacks = setup();
    const misrouted = await withoutFallbacks.handler(
      httpEvent({ routeKey: 'ANY /v1/items', method: 'GET', authorizer: partnerContext('ptn_A') }),
      lambdaContext(),
    );
    expect(misrouted.statusCode).toBe(404);
    const notOurs = await withoutFallbacks.handler(
      httpEvent({ routeKey: 'DELETE /v1/items/{id}', authorizer: partnerContext('ptn_A') }),
      lambdaContext(),
    );
    expect(notOurs.statusCode).toBe(404);
  });

  it('counts internal errors and still flushes metrics when a route throws', async () => {
    const { handler, metrics } = setup({ fail: new Error('boom') });
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const response = await handler(
      httpEvent({ routeKey: 'POST /v1/items', authorizer: partnerContext('ptn_A') }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('boom');
    expect(addMetric).toHaveBeenCalledWith('InternalError', 'Count', 1);
    const emf = stdout.mock.calls.map((call) => String(call[0])).join('');
    expect(emf).toContain('"InternalError"');
  });

  it('logs a partner over its share once per refusal window; every refusal is still answered and counted', async () => {
    const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    const info = vi.spyOn(logger, 'info');
    const metrics = new Metrics({ namespace: 'DiplowireTest', serviceName: 'test' });
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const handler = httpHandler(
      { 'GET /v1/items/{id}': async () => json(200, { read: true }) },
      { logger, metrics, partnerRateGate: new InMemoryPartnerRateGate({ ratePerSecond: 0.2, burst: 1 }) },
    );
    const get = (partnerId: string) =>
      handler(
        httpEvent({ routeKey: 'GET /v1/items/{id}', authorizer: partnerContext(partnerId) }),
        lambdaContext(),
      );
    const refusedLines = () => info.mock.calls.filter(([message]) => message === 'Request refused');

    expect((await get('ptn_A')).statusCode).toBe(200);
    const flood = [];
    for (let i = 0; i < 6; i++) flood.push((await get('ptn_A')).statusCode);
    expect(flood).toEqual([429, 429, 429, 429, 429, 429]);
    expect(refusedLines()).toHaveLength(1);
    expect(addMetric.mock.calls.filter(([name]) => name === 'PartnerRateLimited')).toHaveLength(6);

    // Another partner's first refusal is its own line.
    expect((await get('ptn_B')).statusCode).toBe(200);
    expect((await get('ptn_B')).statusCode).toBe(429);
    expect(refusedLines()).toHaveLength(2);
    // Other refusals are logged as before.
    await handler(httpEvent({ routeKey: 'GET /v1/items/{id}', authorizer: null }), lambdaContext());
    expect(refusedLines()).toHaveLength(3);
  });
});
