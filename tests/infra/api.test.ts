import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageConfig } from '#infra/config.ts';
import {
  disposeSynths,
  findOne,
  functionLogicalId,
  resourceById,
  resourcesOfType,
  type SynthesizedApp,
  synthStage,
} from './support/synth';

let dev: SynthesizedApp;
let prod: SynthesizedApp;

beforeAll(() => {
  dev = synthStage('dev');
  prod = synthStage('prod');
});
afterAll(disposeSynths);

type Ref = { Ref: string };
type Join = { 'Fn::Join': [string, unknown[]] };

const WRITE_ROUTES = ['POST /v1/items', 'PUT /v1/items/{id}', 'DELETE /v1/items/{id}'];
const READ_ROUTES = [
  'GET /v1/items',
  'GET /v1/items/{id}',
  'GET /v1/items/{id}/versions',
  'GET /v1/items/{id}/versions/{version}',
  'GET /v1/items/{id}/translations/{lang}',
  // HEAD of every GET route, served with the GET route's handler.
  'HEAD /v1/items',
  'HEAD /v1/items/{id}',
  'HEAD /v1/items/{id}/versions',
  'HEAD /v1/items/{id}/versions/{version}',
  'HEAD /v1/items/{id}/translations/{lang}',
  'ANY /v1/items',
  'ANY /v1/feed',
  'ANY /v1/items/{id}',
  'ANY /v1/items/{id}/versions',
  'ANY /v1/items/{id}/versions/{version}',
  'ANY /v1/items/{id}/translations/{lang}',
  // The 405 fallbacks of the subscription paths are answered by items-read too.
  'ANY /v1/subscriptions',
  'ANY /v1/subscriptions/{id}',
  'ANY /v1/subscriptions/{id}/rotate-secret',
  'ANY /v1/subscriptions/{id}/deliveries',
  'ANY /v1/subscriptions/{id}/deliveries/{deliveryId}/redeliver',
  'ANY /{proxy+}',
];
const FEED_ROUTES = ['GET /v1/feed', 'HEAD /v1/feed'];
const SUBSCRIPTION_ROUTES = [
  'POST /v1/subscriptions',
  'GET /v1/subscriptions',
  'GET /v1/subscriptions/{id}',
  'DELETE /v1/subscriptions/{id}',
  'POST /v1/subscriptions/{id}/rotate-secret',
  'GET /v1/subscriptions/{id}/deliveries',
  'POST /v1/subscriptions/{id}/deliveries/{deliveryId}/redeliver',
  'HEAD /v1/subscriptions',
  'HEAD /v1/subscriptions/{id}',
  'HEAD /v1/subscriptions/{id}/deliveries',
];

describe('HTTP API routes', () => {
  it('declares exactly the documented routes', () => {
    const routeKeys = resourcesOfType(dev.api, 'AWS::ApiGatewayV2::Route').map(
      ([, r]) => r.Properties.RouteKey,
    );
    expect(routeKeys.sort()).toEqual(
      [
        ...WRITE_ROUTES,
        ...READ_ROUTES,
        ...SUBSCRIPTION_ROUTES,
        ...FEED_ROUTES,
        'GET /problems/{slug}',
      ].sort(),
    );
  });

  it('serves the problem type documentation publicly (no authorizer) from items-read', () => {
    const [, route] = findOne(
      dev.api,
      'AWS::ApiGatewayV2::Route',
      (p) => p.RouteKey === 'GET /problems/{slug}',
    );
    expect(route.Properties.AuthorizationType).toBe('NONE');
    expect(route.Properties.AuthorizerId).toBeUndefined();
    const integrationRef = ((route.Properties.Target as Join)['Fn::Join'][1] as [string, Ref])[1].Ref;
    expect(resourceById(dev.api, integrationRef).Properties.IntegrationUri).toEqual({
      'Fn::GetAtt': [functionLogicalId(dev.apiStack, dev.apiStack.itemsRead), 'Arn'],
    });
  });

  it.each([
    ...WRITE_ROUTES.map((routeKey) => [routeKey, 'itemsWrite'] as const),
    ...READ_ROUTES.map((routeKey) => [routeKey, 'itemsRead'] as const),
    ...SUBSCRIPTION_ROUTES.map((routeKey) => [routeKey, 'subscriptionsApi'] as const),
    ...FEED_ROUTES.map((routeKey) => [routeKey, 'feedApi'] as const),
  ])('%s -> %s, behind the Lambda authorizer', (routeKey, target) => {
    const [, route] = findOne(dev.api, 'AWS::ApiGatewayV2::Route', (p) => p.RouteKey === routeKey);
    const [authorizerId] = findOne(dev.api, 'AWS::ApiGatewayV2::Authorizer', () => true);
    expect(route.Properties.AuthorizationType).toBe('CUSTOM');
    expect(route.Properties.AuthorizerId).toEqual({ Ref: authorizerId });

    const integrationRef = ((route.Properties.Target as Join)['Fn::Join'][1] as [string, Ref])[1].Ref;
    const integration = resourceById(dev.api, integrationRef);
    expect(integration.Type).toBe('AWS::ApiGatewayV2::Integration');
    expect(integration.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [functionLogicalId(dev.apiStack, dev.apiStack[target]), 'Arn'] },
    });
  });

  it('has one integration per API function', () => {
    const integrations = resourcesOfType(dev.api, 'AWS::ApiGatewayV2::Integration').map(
      ([, i]) => (i.Properties.IntegrationUri as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
    );
    const { itemsWrite, itemsRead, subscriptionsApi, feedApi } = dev.apiStack;
    expect(integrations.sort()).toEqual(
      [itemsWrite, itemsRead, subscriptionsApi, feedApi]
        .map((fn) => functionLogicalId(dev.apiStack, fn))
        .sort(),
    );
  });

  it('lets API Gateway invoke the API functions and nothing else', () => {
    const invoked = new Set(
      resourcesOfType(dev.api, 'AWS::Lambda::Permission')
        // The release sweep rule's permission (embargo) is checked in embargo.test.ts.
        .filter(([, p]) => p.Properties.Principal !== 'events.amazonaws.com')
        .map(([, p]) => {
          expect(p.Properties.Principal).toBe('apigateway.amazonaws.com');
          expect(p.Properties.Action).toBe('lambda:InvokeFunction');
          return (p.Properties.FunctionName as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        }),
    );
    const { authorizer, itemsWrite, itemsRead, subscriptionsApi, feedApi, outboxPublisher } = dev.apiStack;
    expect(invoked).toEqual(
      new Set(
        [authorizer, itemsWrite, itemsRead, subscriptionsApi, feedApi].map((fn) =>
          functionLogicalId(dev.apiStack, fn),
        ),
      ),
    );
    expect(invoked.has(functionLogicalId(dev.apiStack, outboxPublisher))).toBe(false);
  });
});

describe('Lambda authorizer', () => {
  it('uses simple responses, the Authorization header as identity and a 60 s cache', () => {
    const [, authorizer] = findOne(dev.api, 'AWS::ApiGatewayV2::Authorizer', () => true);
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 60,
    });
    const uri = JSON.stringify(authorizer.Properties.AuthorizerUri);
    expect(uri).toContain(functionLogicalId(dev.apiStack, dev.apiStack.authorizer));
  });
});

describe('default stage', () => {
  const stageOf = (app: SynthesizedApp) =>
    findOne(app.api, 'AWS::ApiGatewayV2::Stage', () => true)[1].Properties;

  it('is the auto-deployed $default stage', () => {
    expect(stageOf(dev)).toMatchObject({ StageName: '$default', AutoDeploy: true });
  });

  it('throttles every route above any one partner share, prod at the account quota', () => {
    const devLimits = stageOf(dev).DefaultRouteSettings as Record<string, number>;
    const prodLimits = stageOf(prod).DefaultRouteSettings as Record<string, number>;
    expect(devLimits).toEqual({ ThrottlingRateLimit: 5000, ThrottlingBurstLimit: 5000 });
    expect(prodLimits).toEqual({ ThrottlingRateLimit: 10000, ThrottlingBurstLimit: 5000 });
    // A partner's share (rate/burst) is a small part of the shared bucket.
    for (const [stage, limits] of [
      ['dev', devLimits],
      ['prod', prodLimits],
    ] as const) {
      const [rate, burst] = stageConfig(stage).partnerRateLimit.split('/').map(Number);
      expect(rate! * 20).toBeLessThanOrEqual(limits.ThrottlingRateLimit!);
      expect(burst! * 20).toBeLessThanOrEqual(limits.ThrottlingBurstLimit!);
    }
  });

  it('writes JSON access logs with the request, caller, route, outcome and authorizer error', () => {
    const settings = stageOf(dev).AccessLogSettings as { DestinationArn: unknown; Format: string };
    const [logGroupId] = findOne(dev.api, 'AWS::Logs::LogGroup', (p) =>
      String(p.LogGroupName).endsWith('diplowire-dev-api-access'),
    );
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
    expect(JSON.parse(settings.Format)).toMatchObject({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      method: '$context.httpMethod',
      routeKey: '$context.routeKey',
      status: '$context.status',
      latency: '$context.responseLatency',
      integrationError: '$context.integrationErrorMessage',
      authorizerError: '$context.authorizer.error',
    });
  });

  it.each([
    ['dev', 30],
    ['prod', 365],
  ] as const)('keeps %s access logs for %i days', (stage, days) => {
    const app = stage === 'dev' ? dev : prod;
    const [, logGroup] = findOne(app.api, 'AWS::Logs::LogGroup', (p) =>
      String(p.LogGroupName).endsWith(`diplowire-${stage}-api-access`),
    );
    expect(logGroup.Properties.RetentionInDays).toBe(days);
  });
});

describe('outputs', () => {
  it('exports the API URL of the $default stage', () => {
    const outputs = dev.api.findOutputs('ApiUrl');
    const url = JSON.stringify(outputs.ApiUrl?.Value);
    expect(url).toContain('https://');
    expect(url).toContain('.execute-api.');
    expect(url).toContain('AWS::Region');
  });
});
