import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AuthorizerProperties,
  type Invoke,
  type InvokeResult,
  LocalHttpApi,
  type LocalHttpApiOptions,
  type RouteProperties,
  type StageProperties,
} from '#local/apigw/index.ts';

const FN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const AUTH_URI = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${FN('auth')}/invocations`;

type Handler = (event: Record<string, unknown>) => unknown | Promise<unknown>;

/** Wraps a plain async function as the local Lambda invoke contract (errors become ok:false). */
function fakeLambda(handler: Handler, calls: Array<Record<string, unknown>> = []): Invoke {
  return async (event): Promise<InvokeResult> => {
    calls.push(event as Record<string, unknown>);
    try {
      const value = await handler(event as Record<string, unknown>);
      return { ok: true, value, durationMs: 1, coldStart: false };
    } catch (error) {
      return {
        ok: false,
        errorType: 'Error',
        errorMessage: (error as Error).message,
        durationMs: 1,
        coldStart: false,
      };
    }
  };
}

const echo: Handler = (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(event),
});

interface Setup {
  routes: Array<{ key: string; fn: string; authorizer?: boolean }>;
  functions: Record<string, Invoke>;
  authorizer?: Partial<AuthorizerProperties>;
  stage?: StageProperties;
  timeoutMs?: number;
}

const apis: LocalHttpApi[] = [];
afterEach(async () => {
  await Promise.all(apis.splice(0).map((api) => api.close()));
});

async function start(setup: Setup): Promise<{ url: string; logs: string[] }> {
  const integrations: LocalHttpApiOptions['integrations'] = {};
  const routes: RouteProperties[] = [];
  for (const route of setup.routes) {
    const integrationId = `int-${route.fn}`;
    integrations[integrationId] = {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: FN(route.fn),
      PayloadFormatVersion: '2.0',
      ...(setup.timeoutMs !== undefined && { TimeoutInMillis: setup.timeoutMs }),
    };
    routes.push({
      RouteKey: route.key,
      Target: `integrations/${integrationId}`,
      AuthorizationType: route.authorizer ? 'CUSTOM' : 'NONE',
      ...(route.authorizer && { AuthorizerId: 'auth1' }),
    });
  }
  const logs: string[] = [];
  const api = new LocalHttpApi({
    api: { Name: 'test', ProtocolType: 'HTTP' },
    apiId: 'abc123',
    routes,
    integrations,
    authorizers: {
      auth1: {
        AuthorizerType: 'REQUEST',
        AuthorizerUri: AUTH_URI,
        AuthorizerPayloadFormatVersion: '2.0',
        EnableSimpleResponses: true,
        IdentitySource: ['$request.header.Authorization'],
        AuthorizerResultTtlInSeconds: 300,
        ...setup.authorizer,
      },
    },
    stage: setup.stage ?? { StageName: '$default' },
    resolveFunction: (arn) => {
      const name = arn.split(':').pop()!;
      const fn = setup.functions[name];
      if (!fn) throw new Error(`unknown function ${arn}`);
      return fn;
    },
    log: (line) => logs.push(line),
  });
  apis.push(api);
  const url = await api.listen(0);
  expect(api.apiEndpoint).toBe(url);
  return { url, logs };
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe('local HTTP API: routing and the payload 2.0 event', () => {
  const routes = [
    { key: 'GET /v1/items/{id}', fn: 'get' },
    { key: 'ANY /v1/items/{id}', fn: 'any' },
    { key: 'ANY /{proxy+}', fn: 'proxy' },
  ];
  const functions = { get: fakeLambda(echo), any: fakeLambda(echo), proxy: fakeLambda(echo) };

  it('selects exact method over ANY, falls back to {proxy+}, and answers 404 without a match', async () => {
    const { url } = await start({ routes, functions });
    const get = await json(await fetch(`${url}/v1/items/itm_1`));
    expect(get.routeKey).toBe('GET /v1/items/{id}');
    expect(get.pathParameters).toEqual({ id: 'itm_1' });
    const patch = await json(await fetch(`${url}/v1/items/itm_1`, { method: 'PATCH' }));
    expect(patch.routeKey).toBe('ANY /v1/items/{id}');
    const other = await json(await fetch(`${url}/v2/things/x`));
    expect(other.routeKey).toBe('ANY /{proxy+}');
    expect(other.pathParameters).toEqual({ proxy: 'v2/things/x' });

    const { url: narrow } = await start({ routes: [{ key: 'GET /v1/items/{id}', fn: 'get' }], functions });
    const missing = await fetch(`${narrow}/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'Not Found' });
  });

  it('lower-cases headers, joins duplicates, extracts cookies and parses the query string', async () => {
    const { url } = await start({ routes, functions });
    const headers = new Headers();
    headers.append('X-Custom', 'one');
    headers.append('X-Custom', 'two');
    headers.append('Cookie', 'session=abc; theme=dark');
    headers.append('User-Agent', 'diplowire-test');
    const event = await json(await fetch(`${url}/v1/items/x?tag=a&tag=b&q=hello%20world`, { headers }));
    const eventHeaders = event.headers as Record<string, string>;
    // fetch joins repeated headers with ', ' on the wire; API Gateway joins separate header lines with ','.
    expect(eventHeaders['x-custom']).toMatch(/^one, ?two$/);
    expect(eventHeaders).not.toHaveProperty('cookie');
    expect(event.cookies).toEqual(['session=abc', 'theme=dark']);
    expect(event.rawQueryString).toBe('tag=a&tag=b&q=hello%20world');
    expect(event.queryStringParameters).toEqual({ tag: 'a,b', q: 'hello world' });
    const context = event.requestContext as Record<string, unknown>;
    expect(context).toMatchObject({
      apiId: 'abc123',
      stage: '$default',
      routeKey: 'GET /v1/items/{id}',
      http: { method: 'GET', path: '/v1/items/x', protocol: 'HTTP/1.1', userAgent: 'diplowire-test' },
    });
    expect(typeof context.requestId).toBe('string');
    expect(typeof context.timeEpoch).toBe('number');
    expect(event.version).toBe('2.0');
  });

  it('joins duplicate header lines with commas (raw HTTP)', async () => {
    const { url } = await start({ routes, functions });
    const { port } = new URL(url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          'GET /v1/items/x HTTP/1.1\r\nHost: localhost\r\nX-Dup: a\r\nx-dup: b\r\nConnection: close\r\n\r\n',
        );
      });
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    const event = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> };
    expect(event.headers['x-dup']).toBe('a,b');
    expect(event.headers.host).toBe('localhost');
  });

  it('passes text bodies as-is and binary bodies base64-encoded', async () => {
    const { url } = await start({ routes, functions });
    const text = await json(
      await fetch(`${url}/v1/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":"ü"}',
      }),
    );
    expect(text.body).toBe('{"a":"ü"}');
    expect(text.isBase64Encoded).toBe(false);
    const bytes = new Uint8Array([0, 255, 1, 128]);
    const binary = await json(
      await fetch(`${url}/v1/items`, {
        method: 'POST',
        headers: { 'content-type': 'image/png' },
        body: bytes,
      }),
    );
    expect(binary.isBase64Encoded).toBe(true);
    expect([...Buffer.from(binary.body as string, 'base64')]).toEqual([...bytes]);
  });

  it('maps the proxy response (status, headers, cookies, base64 body) and infers non-proxy results', async () => {
    const { url } = await start({
      routes: [
        { key: 'GET /proxy', fn: 'proxy' },
        { key: 'GET /inferred', fn: 'inferred' },
      ],
      functions: {
        proxy: fakeLambda(() => ({
          statusCode: 201,
          headers: { 'Content-Type': 'application/octet-stream', 'X-Id': 'abc' },
          cookies: ['a=1; Path=/', 'b=2'],
          body: Buffer.from([1, 2, 3]).toString('base64'),
          isBase64Encoded: true,
        })),
        inferred: fakeLambda(() => ({ hello: 'world' })),
      },
    });
    const proxied = await fetch(`${url}/proxy`);
    expect(proxied.status).toBe(201);
    expect(proxied.headers.get('x-id')).toBe('abc');
    expect(proxied.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2']);
    expect([...new Uint8Array(await proxied.arrayBuffer())]).toEqual([1, 2, 3]);
    const inferred = await fetch(`${url}/inferred`);
    expect(inferred.status).toBe(200);
    expect(inferred.headers.get('content-type')).toBe('application/json');
    expect(await inferred.text()).toBe('{"hello":"world"}');
  });

  it('answers 500 on a Lambda error and 503 when the integration times out', async () => {
    const { url, logs } = await start({
      routes: [
        { key: 'GET /boom', fn: 'boom' },
        { key: 'GET /slow', fn: 'slow' },
      ],
      functions: {
        boom: fakeLambda(() => {
          throw new Error('kaboom');
        }),
        slow: fakeLambda(
          () => new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200 }), 1000)),
        ),
      },
      timeoutMs: 100,
    });
    const boom = await fetch(`${url}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ message: 'Internal Server Error' });
    const started = Date.now();
    const slow = await fetch(`${url}/slow`);
    expect(slow.status).toBe(503);
    expect(await slow.json()).toEqual({ message: 'Service Unavailable' });
    expect(Date.now() - started).toBeLessThan(900);
    expect(logs.some((line) => line.includes('GET /slow') && line.includes('status=503'))).toBe(true);
  });

  it('answers 413 for a body over 10 MB without invoking the integration', async () => {
    const calls: Array<Record<string, unknown>> = [];
    const { url } = await start({
      routes: [{ key: 'POST /upload', fn: 'up' }],
      functions: { up: fakeLambda(echo, calls) },
    });
    const tooLarge = await fetch(`${url}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(10 * 1024 * 1024 + 1),
    });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ message: 'Request Entity Too Large' });
    expect(calls).toHaveLength(0);
    const atLimit = await fetch(`${url}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(10 * 1024 * 1024),
    });
    expect(atLimit.status).toBe(200);
    expect(calls).toHaveLength(1);
  });

  it('throttles with the stage token bucket (rate 1, burst 1)', async () => {
    const { url } = await start({
      routes: [{ key: 'GET /t', fn: 't' }],
      functions: { t: fakeLambda(() => ({ ok: true })) },
      stage: {
        StageName: '$default',
        DefaultRouteSettings: { ThrottlingRateLimit: 1, ThrottlingBurstLimit: 1 },
      },
    });
    const statuses = await Promise.all(
      Array.from({ length: 5 }, () => fetch(`${url}/t`).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 429)).toHaveLength(4);
    const throttled = await fetch(`${url}/t`);
    expect(throttled.status).toBe(429);
    expect(await throttled.json()).toEqual({ message: 'Too Many Requests' });
  });
});

describe('local HTTP API: Lambda authorizer', () => {
  function authSetup(authorizer: Handler, authCalls: Array<Record<string, unknown>>, ttl?: number): Setup {
    return {
      routes: [{ key: 'GET /v1/items/{id}', fn: 'get', authorizer: true }],
      functions: { get: fakeLambda(echo), auth: fakeLambda(authorizer, authCalls) },
      ...(ttl !== undefined && { authorizer: { AuthorizerResultTtlInSeconds: ttl } }),
    };
  }

  it('answers 401 without calling the authorizer when the identity source is missing', async () => {
    const authCalls: Array<Record<string, unknown>> = [];
    const { url } = await start(authSetup(() => ({ isAuthorized: true }), authCalls));
    const response = await fetch(`${url}/v1/items/a`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
    const empty = await fetch(`${url}/v1/items/a`, { headers: { authorization: '' } });
    expect(empty.status).toBe(401);
    expect(authCalls).toHaveLength(0);
  });

  it('answers 403 when the authorizer says isAuthorized false', async () => {
    const authCalls: Array<Record<string, unknown>> = [];
    const { url } = await start(authSetup(() => ({ isAuthorized: false }), authCalls));
    const response = await fetch(`${url}/v1/items/a`, { headers: { authorization: 'Bearer nope' } });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Forbidden' });
  });

  it('answers 500 when the authorizer fails or answers in an invalid shape', async () => {
    const { url } = await start(authSetup(() => ({ allowed: 'yes' }), []));
    expect((await fetch(`${url}/v1/items/a`, { headers: { authorization: 'x' } })).status).toBe(500);
    const { url: failing } = await start(
      authSetup(() => {
        throw new Error('db down');
      }, []),
    );
    expect((await fetch(`${failing}/v1/items/a`, { headers: { authorization: 'x' } })).status).toBe(500);
  });

  it('sends the 2.0 REQUEST event and passes context as requestContext.authorizer.lambda', async () => {
    const authCalls: Array<Record<string, unknown>> = [];
    const { url } = await start(
      authSetup(
        () => ({ isAuthorized: true, context: { partnerId: 'ptn_1', scopes: ['items:write'] } }),
        authCalls,
      ),
    );
    const event = await json(
      await fetch(`${url}/v1/items/a?x=1`, { headers: { authorization: 'Bearer k1' } }),
    );
    expect((event.requestContext as Record<string, unknown>).authorizer).toEqual({
      lambda: { partnerId: 'ptn_1', scopes: ['items:write'] },
    });
    expect(authCalls[0]).toMatchObject({
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:us-east-1:000000000000:abc123/$default/GET/v1/items/a',
      identitySource: ['Bearer k1'],
      routeKey: 'GET /v1/items/{id}',
      rawPath: '/v1/items/a',
      rawQueryString: 'x=1',
      pathParameters: { id: 'a' },
      queryStringParameters: { x: '1' },
    });
    expect((authCalls[0]!.headers as Record<string, string>).authorization).toBe('Bearer k1');
  });

  it('caches the result per identity-source value for the TTL', async () => {
    const authCalls: Array<Record<string, unknown>> = [];
    const { url, logs } = await start(
      authSetup(() => ({ isAuthorized: true, context: { n: 1 } }), authCalls, 1),
    );
    const call = (key: string) =>
      fetch(`${url}/v1/items/a`, { headers: { authorization: key } }).then((r) => r.status);
    expect(await call('k1')).toBe(200);
    expect(await call('k1')).toBe(200);
    expect(authCalls).toHaveLength(1);
    expect(logs.some((line) => line.includes('auth=allow(cached)'))).toBe(true);
    expect(await call('k2')).toBe(200);
    expect(authCalls).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await call('k1')).toBe(200);
    expect(authCalls).toHaveLength(3);
  });
});
