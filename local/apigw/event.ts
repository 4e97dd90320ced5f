/**
 * Builds the payload format 2.0 events API Gateway HTTP APIs send to Lambda integrations and authorizers.
 */
import { randomBytes } from 'node:crypto';

export interface IncomingRequest {
  method: string;
  /** Path as sent, percent-encoding intact, without the query string. */
  rawPath: string;
  /** Query string as sent, without the leading '?'. */
  rawQueryString: string;
  /** Node's `rawHeaders`: alternating names and values, in arrival order. */
  rawHeaders: string[];
  sourceIp: string;
  protocol: string;
}

export interface RequestParts {
  headers: Record<string, string>;
  cookies: string[] | undefined;
  queryStringParameters: Record<string, string> | undefined;
}

/**
 * Lower-cases header names and joins duplicates with commas; Cookie headers become the `cookies` array
 * and are removed from `headers`, as payload 2.0 does.
 */
export function splitRequestParts(request: IncomingRequest): RequestParts {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!.toLowerCase();
    const value = request.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      for (const cookie of value.split(';')) {
        const trimmed = cookie.trim();
        if (trimmed) cookies.push(trimmed);
      }
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return {
    headers,
    cookies: cookies.length > 0 ? cookies : undefined,
    queryStringParameters: parseQueryString(request.rawQueryString),
  };
}

/** Decoded query parameters with duplicates joined by commas; undefined when there are none. */
export function parseQueryString(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const params: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = decodeQueryComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeQueryComponent(pair.slice(eq + 1));
    params[name] = name in params ? `${params[name]},${value}` : value;
  }
  return Object.keys(params).length > 0 ? params : undefined;
}

function decodeQueryComponent(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/**
 * API Gateway HTTP APIs pass the body as text only for these media types; everything else, including a
 * missing Content-Type and form-urlencoded, arrives base64-encoded. (Not enumerated in the AWS docs;
 * this is the split observed against real HTTP APIs with payload 2.0.)
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    mediaType.startsWith('text/') ||
    mediaType === 'application/json' ||
    mediaType === 'application/xml' ||
    mediaType === 'application/javascript'
  );
}

export interface RequestContextInput {
  accountId: string;
  apiId: string;
  stage: string;
  routeKey: string;
  requestId: string;
  requestTime: Date;
}

export function buildRequestContext(request: IncomingRequest, parts: RequestParts, ctx: RequestContextInput) {
  const domainName = parts.headers.host ?? `${ctx.apiId}.execute-api.localhost`;
  return {
    accountId: ctx.accountId,
    apiId: ctx.apiId,
    domainName,
    domainPrefix: domainName.split('.')[0]!.split(':')[0]!,
    http: {
      method: request.method,
      path: request.rawPath,
      protocol: request.protocol,
      sourceIp: request.sourceIp,
      userAgent: parts.headers['user-agent'] ?? '',
    },
    requestId: ctx.requestId,
    routeKey: ctx.routeKey,
    stage: ctx.stage,
    time: formatRequestTime(ctx.requestTime),
    timeEpoch: ctx.requestTime.getTime(),
  };
}

export type RequestContextV2 = ReturnType<typeof buildRequestContext>;

export interface ProxyEventInput {
  request: IncomingRequest;
  parts: RequestParts;
  requestContext: RequestContextV2;
  pathParameters: Record<string, string> | undefined;
  stageVariables: Record<string, string> | undefined;
  body: Buffer;
  authorizerContext: Record<string, unknown> | undefined;
}

/** The Lambda proxy integration event, payload format 2.0. Absent parts are omitted, as API Gateway does. */
export function buildProxyEvent(input: ProxyEventInput): Record<string, unknown> {
  const { request, parts, requestContext } = input;
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: requestContext.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
  };
  if (parts.cookies) event.cookies = parts.cookies;
  event.headers = parts.headers;
  if (parts.queryStringParameters) event.queryStringParameters = parts.queryStringParameters;
  event.requestContext = input.authorizerContext
    ? { ...requestContext, authorizer: { lambda: input.authorizerContext } }
    : requestContext;
  if (input.body.length > 0) {
    const text = isTextContentType(parts.headers['content-type']);
    event.body = text ? input.body.toString('utf8') : input.body.toString('base64');
    event.isBase64Encoded = !text;
  } else {
    event.isBase64Encoded = false;
  }
  if (input.pathParameters) event.pathParameters = input.pathParameters;
  if (input.stageVariables) event.stageVariables = input.stageVariables;
  return event;
}

export interface AuthorizerEventInput {
  request: IncomingRequest;
  parts: RequestParts;
  requestContext: RequestContextV2;
  pathParameters: Record<string, string> | undefined;
  stageVariables: Record<string, string> | undefined;
  routeArn: string;
  identitySource: string[];
}

/** The REQUEST authorizer event, payload format 2.0 (no body). */
export function buildAuthorizerEvent(input: AuthorizerEventInput): Record<string, unknown> {
  const { request, parts } = input;
  const event: Record<string, unknown> = {
    version: '2.0',
    type: 'REQUEST',
    routeArn: input.routeArn,
    identitySource: input.identitySource,
    routeKey: input.requestContext.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
  };
  if (parts.cookies) event.cookies = parts.cookies;
  event.headers = parts.headers;
  if (parts.queryStringParameters) event.queryStringParameters = parts.queryStringParameters;
  event.requestContext = input.requestContext;
  if (input.pathParameters) event.pathParameters = input.pathParameters;
  if (input.stageVariables) event.stageVariables = input.stageVariables;
  return event;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, the CLF timestamp API Gateway puts in `requestContext.time`. */
export function formatRequestTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

const REQUEST_ID_BYTES = 10;
/** Random bytes for 1,000 request ids at a time: one system call each cost a flood's requests ~12 µs. */
let idPool = Buffer.alloc(0);
let idOffset = 0;

/** API Gateway request ids look like `JKJaXmPLvHcESHA=`: base64 of 10 random bytes. */
export function newRequestId(): string {
  if (idOffset + REQUEST_ID_BYTES > idPool.length) {
    idPool = randomBytes(REQUEST_ID_BYTES * 1000);
    idOffset = 0;
  }
  idOffset += REQUEST_ID_BYTES;
  return idPool.toString('base64', idOffset - REQUEST_ID_BYTES, idOffset);
}
