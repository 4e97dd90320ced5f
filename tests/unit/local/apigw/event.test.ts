import { describe, expect, it } from 'vitest';
import {
  buildProxyEvent,
  buildRequestContext,
  formatRequestTime,
  type IncomingRequest,
  isTextContentType,
  newRequestId,
  parseQueryString,
  splitRequestParts,
} from '#local/apigw/event.ts';

const request = (rawHeaders: string[], rawQueryString = ''): IncomingRequest => ({
  method: 'POST',
  rawPath: '/v1/items',
  rawQueryString,
  rawHeaders,
  sourceIp: '127.0.0.1',
  protocol: 'HTTP/1.1',
});

describe('payload 2.0 request parts', () => {
  it('lower-cases header names, joins duplicates with commas and moves cookies out of headers', () => {
    const parts = splitRequestParts(
      request(['X-Trace', 'a', 'x-trace', 'b', 'Cookie', 'a=1; b=2', 'Host', 'api.local', 'COOKIE', 'c=3']),
    );
    expect(parts.headers).toEqual({ 'x-trace': 'a,b', host: 'api.local' });
    expect(parts.cookies).toEqual(['a=1', 'b=2', 'c=3']);
  });

  it('decodes query parameters and joins duplicates with commas', () => {
    expect(parseQueryString('a=1&a=2&b=x%20y&c')).toEqual({ a: '1,2', b: 'x y', c: '' });
    expect(parseQueryString('')).toBeUndefined();
  });

  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['text/plain', true],
    ['application/xml', true],
    ['application/octet-stream', false],
    ['image/png', false],
    ['application/x-www-form-urlencoded', false],
    [undefined, false],
  ])('treats %s as text: %s', (contentType, text) => {
    expect(isTextContentType(contentType)).toBe(text);
  });

  it('formats requestContext.time like API Gateway', () => {
    expect(formatRequestTime(new Date(Date.UTC(2020, 2, 12, 19, 3, 58)))).toBe('12/Mar/2020:19:03:58 +0000');
  });

  it('omits absent parts and base64-encodes binary bodies', () => {
    const req = request(['Content-Type', 'application/octet-stream', 'Host', 'abc.example']);
    const parts = splitRequestParts(req);
    const requestContext = buildRequestContext(req, parts, {
      accountId: '1',
      apiId: 'abc',
      stage: '$default',
      routeKey: 'POST /v1/items',
      requestId: 'r',
      requestTime: new Date(0),
    });
    const event = buildProxyEvent({
      request: req,
      parts,
      requestContext,
      pathParameters: undefined,
      stageVariables: undefined,
      body: Buffer.from([0, 1, 2, 255]),
      authorizerContext: undefined,
    });
    expect(event).not.toHaveProperty('cookies');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('pathParameters');
    expect(event.body).toBe(Buffer.from([0, 1, 2, 255]).toString('base64'));
    expect(event.isBase64Encoded).toBe(true);
    expect(requestContext.domainPrefix).toBe('abc');
  });
});

describe('newRequestId', () => {
  it("gives ids shaped like API Gateway's (base64 of 10 bytes), none repeated across pool refills", () => {
    const ids = Array.from({ length: 2500 }, () => newRequestId());
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9+/]{14}==$/);
      expect(Buffer.from(id, 'base64')).toHaveLength(10);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
