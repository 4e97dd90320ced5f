import { randomUUID } from 'node:crypto';
import type { APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import type { HttpEvent } from '#shared/adapters/http/types.ts';

/**
 * Builders for the events API Gateway HTTP APIs send to Lambda (payload format 2.0), shaped as
 * AWS documents them: lower-cased header names, `routeKey`, `rawPath`, `pathParameters`, and the
 * Lambda authorizer's context under `requestContext.authorizer.lambda`.
 */

export interface HttpEventInput {
  /** Route key as configured, e.g. `PUT /v1/items/{id}` or `ANY /{proxy+}`. */
  routeKey: string;
  /** The request path, e.g. `/v1/items/itm_...`. Defaults to the route path with parameters filled in. */
  rawPath?: string;
  /** The request method; defaults to the route key's method (required for ANY routes). */
  method?: string;
  pathParameters?: Record<string, string>;
  /** Query parameters (API Gateway joins repeated ones with commas). */
  queryStringParameters?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  /** The authorizer context; `null` for a route with no authorizer context at all. */
  authorizer?: Record<string, unknown> | null;
}

/** The context the authorizer returns for a valid key. */
export function partnerContext(
  partnerId: string,
  scopes = 'items:read items:write',
): Record<string, unknown> {
  return { partnerId, partnerName: `Partner ${partnerId}`, scopes };
}

export function httpEvent(input: HttpEventInput): HttpEvent {
  const [routeMethod = 'GET', routePath = '/'] = input.routeKey.split(' ');
  const method = input.method ?? routeMethod;
  if (method === 'ANY') throw new Error('An ANY route needs an explicit request method');
  const rawPath = input.rawPath ?? fillPath(routePath, input.pathParameters ?? {});
  const headers: Record<string, string> = {
    host: 'api.diplowire.test',
    'user-agent': 'vitest',
    'x-forwarded-proto': 'https',
  };
  for (const [name, value] of Object.entries(input.headers ?? {})) headers[name.toLowerCase()] = value;
  const now = Date.now();
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(input.queryStringParameters ?? {}).toString(),
    headers,
    ...(input.pathParameters && { pathParameters: input.pathParameters }),
    ...(input.queryStringParameters && { queryStringParameters: input.queryStringParameters }),
    ...(input.body !== undefined && { body: input.body }),
    isBase64Encoded: input.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234567',
      domainName: 'api.diplowire.test',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
      requestId,
      routeKey: input.routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      ...(input.authorizer !== null && { authorizer: { lambda: input.authorizer ?? {} } }),
    },
  };
}

function fillPath(template: string, parameters: Record<string, string>): string {
  return template.replace(/\{(\w+)\+?\}/g, (_, name: string) => parameters[name] ?? `{${name}}`);
}

/** The event an HTTP API sends a Lambda authorizer (payload 2.0, identity source = Authorization). */
export function authorizerEvent(authorization?: string): APIGatewayRequestAuthorizerEventV2 {
  const now = Date.now();
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:us-east-1:123456789012:api1234567/$default/POST/v1/items',
    identitySource: authorization === undefined ? [] : [authorization],
    routeKey: 'POST /v1/items',
    rawPath: '/v1/items',
    rawQueryString: '',
    cookies: [],
    headers: {
      host: 'api.diplowire.test',
      'content-type': 'application/json',
      ...(authorization !== undefined && { authorization }),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234567',
      domainName: 'api.diplowire.test',
      domainPrefix: 'api',
      http: {
        method: 'POST',
        path: '/v1/items',
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'vitest',
      },
      requestId: randomUUID(),
      routeKey: 'POST /v1/items',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
  };
}

/** A minimal Lambda context, enough for middy and the Powertools middlewares. */
export function lambdaContext(functionName = 'diplowire-test'): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2025/01/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A response header by name, case-insensitively. */
export function responseHeader(
  response: { headers?: Record<string, unknown> },
  name: string,
): string | undefined {
  const entry = Object.entries(response.headers ?? {}).find(
    ([key]) => key.toLowerCase() === name.toLowerCase(),
  );
  return entry === undefined ? undefined : String(entry[1]);
}
