import { describe, expect, it } from 'vitest';
import { MalformedProxyResponseError, mapLambdaResult } from '#local/apigw/response.ts';

describe('payload 2.0 response mapping', () => {
  it('infers 200 application/json when the result has no statusCode', () => {
    const object = mapLambdaResult({ message: 'hi' });
    expect(object.statusCode).toBe(200);
    expect(object.headers).toEqual([['content-type', 'application/json']]);
    expect(object.body.toString()).toBe('{"message":"hi"}');
    expect(mapLambdaResult('Hello from Lambda!').body.toString()).toBe('Hello from Lambda!');
  });

  it('maps a proxy response: headers, multi-value headers, cookies and base64 bodies', () => {
    const response = mapLambdaResult({
      statusCode: 201,
      headers: { 'Content-Type': 'image/png', 'X-Count': 2 },
      multiValueHeaders: { Vary: ['a', 'b'] },
      cookies: ['a=1; Path=/', 'b=2'],
      body: Buffer.from([137, 80]).toString('base64'),
      isBase64Encoded: true,
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers).toEqual([
      ['content-type', 'image/png'],
      ['x-count', '2'],
      ['vary', 'a'],
      ['vary', 'b'],
      ['set-cookie', 'a=1; Path=/'],
      ['set-cookie', 'b=2'],
    ]);
    expect([...response.body]).toEqual([137, 80]);
  });

  it('rejects proxy responses API Gateway would answer with 500', () => {
    expect(() => mapLambdaResult({ statusCode: '200' })).toThrow(MalformedProxyResponseError);
    expect(() => mapLambdaResult({ statusCode: 200, body: { a: 1 } })).toThrow(MalformedProxyResponseError);
    expect(() => mapLambdaResult({ statusCode: 200, headers: { a: {} } })).toThrow(
      MalformedProxyResponseError,
    );
  });
});
