import { describe, expect, it } from 'vitest';
import {
  evaluateIdentitySource,
  functionArnFromUri,
  type IdentityInput,
  InvalidAuthorizerError,
  LambdaAuthorizer,
} from '#local/apigw/authorizer.ts';
import { TokenBucket } from '#local/apigw/throttle.ts';
import type { AuthorizerProperties, InvokeResult } from '#local/apigw/types.ts';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:auth';
const ROUTE_ARN = 'arn:aws:execute-api:us-east-1:123456789012:api/$default/GET/v1/items/a';
const identity = (authorization?: string): IdentityInput => ({
  headers: authorization === undefined ? {} : { authorization },
  queryStringParameters: undefined,
  stageVariables: undefined,
  context: { routeKey: 'GET /v1/items/{id}' },
});

function authorizer(value: unknown, props: Partial<AuthorizerProperties> = {}, clock = { now: 0 }) {
  let calls = 0;
  const instance = new LambdaAuthorizer({
    id: 'a1',
    properties: {
      AuthorizerType: 'REQUEST',
      AuthorizerUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${FN}/invocations`,
      AuthorizerPayloadFormatVersion: '2.0',
      IdentitySource: ['$request.header.Authorization'],
      ...props,
    },
    invoke: async (): Promise<InvokeResult> => {
      calls++;
      return { ok: true, value, durationMs: 1, coldStart: false };
    },
    now: () => clock.now,
  });
  return { instance, calls: () => calls };
}

const authorize = (a: LambdaAuthorizer, key?: string) => a.authorize(identity(key), () => ({}), ROUTE_ARN);

describe('Lambda authorizer', () => {
  it('finds the function ARN inside the apigateway invoke URI', () => {
    expect(
      functionArnFromUri(`arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${FN}/invocations`),
    ).toBe(FN);
    expect(functionArnFromUri(FN)).toBe(FN);
    expect(() => functionArnFromUri('https://example.com')).toThrow(InvalidAuthorizerError);
  });

  it('evaluates header (case-insensitive), query string, stage variable and context identity sources', () => {
    const input = {
      headers: { authorization: 'k' },
      queryStringParameters: { Token: 't' },
      stageVariables: { env: 'dev' },
      context: { routeKey: 'GET /x' },
    };
    expect(evaluateIdentitySource('$request.header.AUTHORIZATION', input)).toBe('k');
    expect(evaluateIdentitySource('$request.querystring.Token', input)).toBe('t');
    expect(evaluateIdentitySource('$request.querystring.token', input)).toBeUndefined();
    expect(evaluateIdentitySource('$stageVariables.env', input)).toBe('dev');
    expect(evaluateIdentitySource('$context.routeKey', input)).toBe('GET /x');
  });

  it('honours IAM policy responses when simple responses are off: Deny wins, Allow must match the route', async () => {
    const statement = (Effect: string, Resource: string) => ({
      Action: 'execute-api:Invoke',
      Effect,
      Resource,
    });
    const policy = (...Statement: unknown[]) => ({
      principalId: 'p1',
      policyDocument: { Version: '2012-10-17', Statement },
    });
    const allow = authorizer(policy(statement('Allow', 'arn:aws:execute-api:us-east-1:123456789012:api/*')));
    expect(await authorize(allow.instance, 'k')).toMatchObject({
      outcome: 'allow',
      context: { principalId: 'p1' },
    });
    const other = authorizer(
      policy(statement('Allow', 'arn:aws:execute-api:us-east-1:123456789012:other/*')),
    );
    expect((await authorize(other.instance, 'k')).outcome).toBe('deny');
    const denied = authorizer(policy(statement('Allow', '*'), statement('Deny', ROUTE_ARN)));
    expect((await authorize(denied.instance, 'k')).outcome).toBe('deny');
    expect((await authorize(authorizer({ isAuthorized: true }).instance, 'k')).outcome).toBe('error');
  });

  it('caches allow and deny results until the TTL passes, and not at all with TTL 0', async () => {
    const clock = { now: 0 };
    const cached = authorizer(
      { isAuthorized: false },
      { EnableSimpleResponses: true, AuthorizerResultTtlInSeconds: 60 },
      clock,
    );
    expect(await authorize(cached.instance, 'k')).toMatchObject({ outcome: 'deny', cached: false });
    clock.now = 59_999;
    expect(await authorize(cached.instance, 'k')).toMatchObject({ outcome: 'deny', cached: true });
    clock.now = 60_000;
    expect(await authorize(cached.instance, 'k')).toMatchObject({ outcome: 'deny', cached: false });
    expect(cached.calls()).toBe(2);
    const uncached = authorizer(
      { isAuthorized: true },
      { EnableSimpleResponses: true, AuthorizerResultTtlInSeconds: 0 },
    );
    await authorize(uncached.instance, 'k');
    await authorize(uncached.instance, 'k');
    expect(uncached.calls()).toBe(2);
  });

  it('answers unauthorized for a missing identity source without invoking', async () => {
    const a = authorizer({ isAuthorized: true }, { EnableSimpleResponses: true });
    expect(await authorize(a.instance)).toEqual({ outcome: 'unauthorized' });
    expect(a.calls()).toBe(0);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate', () => {
    const clock = { now: 0 };
    const bucket = new TokenBucket(2, 3, () => clock.now);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    clock.now = 499;
    expect(bucket.tryTake()).toBe(false);
    clock.now = 500;
    expect(bucket.tryTake()).toBe(true);
    clock.now = 10_000;
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });
});
