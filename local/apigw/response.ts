/**
 * Maps a Lambda result to the HTTP response API Gateway sends for payload format 2.0, including the
 * inference rules for results that are not proxy-shaped.
 */

export interface HttpResponse {
  statusCode: number;
  /** Lower-cased header name/value pairs; a repeated name becomes several header lines. */
  headers: Array<[string, string]>;
  body: Buffer;
}

export class MalformedProxyResponseError extends Error {
  constructor(reason: string) {
    super(`Malformed Lambda proxy response: ${reason}`);
    this.name = 'MalformedProxyResponseError';
  }
}

export function gatewayMessage(statusCode: number, message: string): HttpResponse {
  return {
    statusCode,
    headers: [['content-type', 'application/json']],
    body: Buffer.from(JSON.stringify({ message })),
  };
}

export const NOT_FOUND = () => gatewayMessage(404, 'Not Found');
export const UNAUTHORIZED = () => gatewayMessage(401, 'Unauthorized');
export const FORBIDDEN = () => gatewayMessage(403, 'Forbidden');
export const PAYLOAD_TOO_LARGE = () => gatewayMessage(413, 'Request Entity Too Large');
export const TOO_MANY_REQUESTS = () => gatewayMessage(429, 'Too Many Requests');
export const INTERNAL_SERVER_ERROR = () => gatewayMessage(500, 'Internal Server Error');
export const SERVICE_UNAVAILABLE = () => gatewayMessage(503, 'Service Unavailable');

/**
 * With payload 2.0, a result that has a `statusCode` is a proxy response; anything else that is valid
 * JSON is inferred as 200 `application/json` whose body is the result (a string result is the body as-is).
 * Throws MalformedProxyResponseError for a proxy response API Gateway would reject (it answers 500).
 */
export function mapLambdaResult(value: unknown): HttpResponse {
  if (!isObject(value) || !('statusCode' in value)) {
    const body = typeof value === 'string' ? value : JSON.stringify(value ?? null);
    return { statusCode: 200, headers: [['content-type', 'application/json']], body: Buffer.from(body) };
  }
  const statusCode = value.statusCode;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    throw new MalformedProxyResponseError(
      `statusCode must be an integer HTTP status, got ${String(statusCode)}`,
    );
  }
  const headers: Array<[string, string]> = [];
  if (value.headers !== undefined && value.headers !== null) {
    if (!isObject(value.headers)) throw new MalformedProxyResponseError('headers must be an object');
    for (const [name, headerValue] of Object.entries(value.headers)) {
      headers.push([name.toLowerCase(), scalarToString(headerValue, `headers.${name}`)]);
    }
  }
  if (value.multiValueHeaders !== undefined && value.multiValueHeaders !== null) {
    if (!isObject(value.multiValueHeaders)) {
      throw new MalformedProxyResponseError('multiValueHeaders must be an object');
    }
    for (const [name, values] of Object.entries(value.multiValueHeaders)) {
      if (!Array.isArray(values))
        throw new MalformedProxyResponseError(`multiValueHeaders.${name} must be an array`);
      for (const v of values)
        headers.push([name.toLowerCase(), scalarToString(v, `multiValueHeaders.${name}`)]);
    }
  }
  if (value.cookies !== undefined && value.cookies !== null) {
    if (!Array.isArray(value.cookies)) throw new MalformedProxyResponseError('cookies must be an array');
    for (const cookie of value.cookies) {
      if (typeof cookie !== 'string') throw new MalformedProxyResponseError('cookies must be strings');
      headers.push(['set-cookie', cookie]);
    }
  }
  let body = Buffer.alloc(0);
  if (value.body !== undefined && value.body !== null) {
    if (typeof value.body !== 'string') throw new MalformedProxyResponseError('body must be a string');
    body =
      value.isBase64Encoded === true ? Buffer.from(value.body, 'base64') : Buffer.from(value.body, 'utf8');
  }
  return { statusCode, headers, body };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scalarToString(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new MalformedProxyResponseError(`${where} must be a string, number or boolean`);
}
