import { Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { resourceName, type StageConfig } from '../config';

/**
 * One JSON object per request. `authorizerError` shows why the gateway itself refused a request
 * (e.g. a missing Authorization header); `partnerId` is the authorizer's answer for accepted keys.
 */
const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  partnerId: '$context.authorizer.partnerId',
};

/**
 * The authorizer's answers are cached per Authorization header value for this long, so a revoked
 * key can still pass the gateway for up to this long. Handlers only re-check that the context
 * carries a partner (an `invalid-key` answer); they do not re-read the key.
 */
export const AUTHORIZER_CACHE_TTL = Duration.seconds(60);

export interface DiplowireHttpApiProps {
  readonly config: StageConfig;
  readonly authorizer: IFunction;
  /** POST /v1/items, PUT and DELETE /v1/items/{id}. */
  readonly itemsWrite: IFunction;
  /** The GET routes and every fallback (405 with Allow, 404). */
  readonly itemsRead: IFunction;
}

/** The partner-facing HTTP API: explicit routes, a Lambda authorizer on each, throttled and access-logged. */
export class DiplowireHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;
  readonly authorizer: HttpLambdaAuthorizer;

  constructor(scope: Construct, id: string, props: DiplowireHttpApiProps) {
    super(scope, id);
    const { config } = props;

    this.authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', props.authorizer, {
      authorizerName: 'api-key',
      // Simple responses: the authorizer always allows and passes {partnerId, ...} or {authError}.
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: AUTHORIZER_CACHE_TTL,
    });

    this.api = new HttpApi(this, 'HttpApi', {
      apiName: resourceName(config.stage, 'api'),
      description: 'Diplowire partner API: submit and read IPTC ninjs news items.',
      // The stage is declared below so it can carry throttling and access logs.
      createDefaultStage: false,
      defaultAuthorizer: this.authorizer,
    });

    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/vendedlogs/${resourceName(config.stage, 'api-access')}`,
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });

    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: config.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT)),
      },
    });

    const write = new HttpLambdaIntegration('ItemsWrite', props.itemsWrite, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    });
    const read = new HttpLambdaIntegration('ItemsRead', props.itemsRead, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    });

    const route = (path: string, method: HttpMethod, integration: HttpLambdaIntegration) =>
      this.api.addRoutes({ path, methods: [method], integration, authorizer: this.authorizer });

    route('/v1/items', HttpMethod.POST, write);
    route('/v1/items/{id}', HttpMethod.PUT, write);
    route('/v1/items/{id}', HttpMethod.DELETE, write);
    route('/v1/items/{id}', HttpMethod.GET, read);
    route('/v1/items/{id}/versions', HttpMethod.GET, read);
    route('/v1/items/{id}/versions/{version}', HttpMethod.GET, read);
    // Any other method on a known path: 405 with Allow. Any other path: 404. Both problem+json.
    for (const path of [
      '/v1/items',
      '/v1/items/{id}',
      '/v1/items/{id}/versions',
      '/v1/items/{id}/versions/{version}',
    ]) {
      route(path, HttpMethod.ANY, read);
    }
    route('/{proxy+}', HttpMethod.ANY, read);
  }
}
