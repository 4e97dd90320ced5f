import { Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpRoute,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PROBLEM_DOCS_ROUTE } from '#shared/contracts/api/problem-types.ts';
import {
  CATCH_ALL_ROUTE,
  METHOD_FALLBACK_ROUTES,
  type RouteSpec,
  routeSpecs,
} from '#shared/contracts/api/routes.ts';
import { resourceName, type StageConfig } from '../config';

/** The functions that serve API routes, by the name the route table gives them. */
export type ApiFunctionName = RouteSpec['function'];

/** The function that answers the fallbacks (405 with `Allow` on known paths, 404 elsewhere). */
const FALLBACK_FUNCTION: ApiFunctionName = 'items-read';

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
  /** Every function the route table names (shared/contracts/api/routes.ts). */
  readonly functions: Readonly<Record<ApiFunctionName, IFunction>>;
}

const pascalCase = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_match, _dash, letter: string) => letter.toUpperCase());

/**
 * The partner-facing HTTP API: the routes of the contract's route table (each served by the function
 * it names) and the fallbacks, a Lambda authorizer on each, throttled and access-logged.
 */
export class DiplowireHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;
  readonly authorizer: HttpLambdaAuthorizer;
  /** `GET /problems/{slug}`: the problem type documentation, public (no authorizer). */
  readonly problemDocsRoute: HttpRoute;

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

    const integrations = new Map<ApiFunctionName, HttpLambdaIntegration>();
    const integrationFor = (name: ApiFunctionName) => {
      let integration = integrations.get(name);
      if (!integration) {
        integration = new HttpLambdaIntegration(pascalCase(name), props.functions[name], {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(name, integration);
      }
      return integration;
    };
    const route = (
      routeKey: string,
      name: ApiFunctionName,
      authorizer: IHttpRouteAuthorizer = this.authorizer,
    ) => {
      const [method, path] = routeKey.split(' ') as [keyof typeof HttpMethod, string];
      return this.api.addRoutes({
        path,
        methods: [HttpMethod[method]],
        integration: integrationFor(name),
        authorizer,
      });
    };

    // One source of truth: the route table names each route's function (and its scope, checked in the handler).
    for (const spec of routeSpecs()) route(spec.key, spec.function);
    // Any other method on a known path: 405 with Allow. Any other path: 404. Both problem+json.
    for (const routeKey of Object.keys(METHOD_FALLBACK_ROUTES)) route(routeKey, FALLBACK_FUNCTION);
    route(CATCH_ALL_ROUTE, FALLBACK_FUNCTION);
    // Where problem `type` URIs point: public documentation, so it needs no API key.
    [this.problemDocsRoute] = route(PROBLEM_DOCS_ROUTE, FALLBACK_FUNCTION, new HttpNoneAuthorizer()) as [
      HttpRoute,
    ];
  }
}
