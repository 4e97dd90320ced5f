/**
 * A local API Gateway HTTP API (payload format 2.0, Lambda proxy integrations, Lambda REQUEST authorizers,
 * stage throttling, the 10 MB payload limit) served over node:http.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertLoopbackBind, loopbackOnly } from '../support/loopback';
import {
  type AuthorizerDecision,
  functionArnFromUri,
  type IdentityInput,
  LambdaAuthorizer,
} from './authorizer';
import {
  buildAuthorizerEvent,
  buildProxyEvent,
  buildRequestContext,
  type IncomingRequest,
  newRequestId,
  splitRequestParts,
} from './event';
import { normaliseIp, readBody, writeResponse } from './http-io';
import {
  FORBIDDEN,
  type HttpResponse,
  INTERNAL_SERVER_ERROR,
  MalformedProxyResponseError,
  mapLambdaResult,
  NOT_FOUND,
  PAYLOAD_TOO_LARGE,
  SERVICE_UNAVAILABLE,
  TOO_MANY_REQUESTS,
  UNAUTHORIZED,
} from './response';
import { RouteTable } from './routes';
import { TokenBucket } from './throttle';
import type {
  ApiProperties,
  AuthorizerProperties,
  IntegrationProperties,
  Invoke,
  ResolveFunction,
  RouteProperties,
  RouteSettings,
  StageProperties,
} from './types';

/** HTTP API payload quota: 10 MB, not adjustable. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** HTTP API maximum (and default) integration timeout. */
export const MAX_INTEGRATION_TIMEOUT_MS = 30_000;
const MIN_INTEGRATION_TIMEOUT_MS = 50;

export class InvalidHttpApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidHttpApiError';
  }
}

export interface LocalHttpApiOptions {
  api: ApiProperties;
  /** What `Ref` of the AWS::ApiGatewayV2::Api resolved to; used in events and route ARNs. */
  apiId?: string;
  routes: RouteProperties[];
  /** Keyed by integration id (what a Route's `Target: integrations/<id>` names). */
  integrations: Record<string, IntegrationProperties>;
  /** Keyed by authorizer id (what a Route's `AuthorizerId` names). */
  authorizers?: Record<string, AuthorizerProperties>;
  stage?: StageProperties;
  resolveFunction: ResolveFunction;
  log?: (line: string) => void;
  accountId?: string;
  region?: string;
}

interface RouteTarget {
  routeKey: string;
  integrationId: string | undefined;
  authorizer: LambdaAuthorizer | undefined;
}

interface Integration {
  functionArn: string;
  timeoutMs: number;
}

interface Outcome {
  response: HttpResponse;
  routeKey: string;
  auth: string;
  integrationMs: number | undefined;
}

export class LocalHttpApi {
  private readonly apiId: string;
  private readonly accountId: string;
  private readonly region: string;
  private readonly stageName: string;
  private readonly stageVariables: Record<string, string> | undefined;
  private readonly routeTable: RouteTable<RouteTarget>;
  private readonly integrations = new Map<string, Integration>();
  private readonly buckets = new Map<string, TokenBucket | null>();
  private readonly stage: StageProperties;
  private readonly resolveFunction: ResolveFunction;
  private readonly invokers = new Map<string, Invoke>();
  private readonly log: (line: string) => void;
  private server: Server | undefined;
  private baseUrl: string | undefined;

  constructor(options: LocalHttpApiOptions) {
    const protocol = options.api.ProtocolType ?? 'HTTP';
    if (protocol !== 'HTTP')
      throw new InvalidHttpApiError(`Only HTTP APIs are emulated, got ProtocolType ${protocol}`);
    this.apiId = options.apiId ?? 'localapi';
    this.accountId = options.accountId ?? '000000000000';
    this.region = options.region ?? 'us-east-1';
    this.stage = options.stage ?? {};
    this.stageName = this.stage.StageName ?? '$default';
    this.stageVariables = this.stage.StageVariables;
    this.resolveFunction = options.resolveFunction;
    this.log = options.log ?? ((line) => console.log(line));

    for (const [id, props] of Object.entries(options.integrations)) {
      if (props.IntegrationType !== 'AWS_PROXY') {
        throw new InvalidHttpApiError(`Integration ${id}: only AWS_PROXY (Lambda) integrations are emulated`);
      }
      if ((props.PayloadFormatVersion ?? '2.0') !== '2.0') {
        throw new InvalidHttpApiError(`Integration ${id}: only payload format 2.0 is emulated`);
      }
      const requested = props.TimeoutInMillis ?? MAX_INTEGRATION_TIMEOUT_MS;
      this.integrations.set(id, {
        functionArn: functionArnFromUri(props.IntegrationUri),
        timeoutMs: Math.min(MAX_INTEGRATION_TIMEOUT_MS, Math.max(MIN_INTEGRATION_TIMEOUT_MS, requested)),
      });
    }

    const authorizers = new Map<string, LambdaAuthorizer>();
    for (const [id, props] of Object.entries(options.authorizers ?? {})) {
      const functionArn = functionArnFromUri(props.AuthorizerUri);
      authorizers.set(
        id,
        new LambdaAuthorizer({ id, properties: props, invoke: (e) => this.invoker(functionArn)(e) }),
      );
    }

    this.routeTable = new RouteTable(
      options.routes.map((route) => ({
        routeKey: route.RouteKey,
        target: this.routeTarget(route, authorizers),
      })),
    );
  }

  private routeTarget(route: RouteProperties, authorizers: Map<string, LambdaAuthorizer>): RouteTarget {
    let integrationId: string | undefined;
    if (route.Target !== undefined) {
      const match = /^integrations\/(.+)$/.exec(route.Target);
      if (!match || !this.integrations.has(match[1]!)) {
        throw new InvalidHttpApiError(`Route '${route.RouteKey}': unknown target '${route.Target}'`);
      }
      integrationId = match[1];
    }
    const authorizationType = route.AuthorizationType ?? 'NONE';
    let authorizer: LambdaAuthorizer | undefined;
    if (authorizationType === 'CUSTOM') {
      authorizer = route.AuthorizerId ? authorizers.get(route.AuthorizerId) : undefined;
      if (!authorizer) {
        throw new InvalidHttpApiError(
          `Route '${route.RouteKey}': unknown authorizer '${route.AuthorizerId}'`,
        );
      }
    } else if (authorizationType !== 'NONE') {
      throw new InvalidHttpApiError(
        `Route '${route.RouteKey}': authorization type ${authorizationType} is not emulated (only NONE and CUSTOM)`,
      );
    }
    return { routeKey: route.RouteKey, integrationId, authorizer };
  }

  /** The API's base URL (the `ApiEndpoint` attribute); available once listening. */
  get apiEndpoint(): string {
    if (!this.baseUrl) throw new Error('LocalHttpApi is not listening yet');
    return this.baseUrl;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    if (this.server) throw new Error('LocalHttpApi is already listening');
    assertLoopbackBind(host);
    const server = createServer(
      loopbackOnly((req, res) => {
        this.handle(req, res).catch((error: unknown) => {
          this.log(`[apigw] internal error: ${(error as Error).stack ?? String(error)}`);
          if (!res.headersSent) writeResponse(res, INTERNAL_SERVER_ERROR(), 'unknown');
          else res.destroy();
        });
      }),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.baseUrl = `http://${urlHost}:${address.port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.baseUrl = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestTime = new Date();
    const requestId = newRequestId();
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const request: IncomingRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      rawPath: queryAt === -1 ? url : url.slice(0, queryAt),
      rawQueryString: queryAt === -1 ? '' : url.slice(queryAt + 1),
      rawHeaders: req.rawHeaders,
      sourceIp: normaliseIp(req.socket.remoteAddress),
      protocol: `HTTP/${req.httpVersion}`,
    };

    const outcome = await this.process(req, request, requestId, requestTime);
    writeResponse(res, outcome.response, requestId);
    const total = Math.round(performance.now() - started);
    const integration = outcome.integrationMs === undefined ? '-' : `${outcome.integrationMs}ms`;
    this.log(
      `[apigw] ${request.method} ${request.rawPath} route=${outcome.routeKey} status=${outcome.response.statusCode} ` +
        `latency=${total}ms auth=${outcome.auth} integration=${integration} requestId=${requestId}`,
    );
  }

  private async process(
    req: IncomingMessage,
    request: IncomingRequest,
    requestId: string,
    requestTime: Date,
  ): Promise<Outcome> {
    const fail = (response: HttpResponse, routeKey = '-', auth = '-'): Outcome => ({
      response,
      routeKey,
      auth,
      integrationMs: undefined,
    });

    const body = await readBody(req, MAX_PAYLOAD_BYTES);
    if (!body) return fail(PAYLOAD_TOO_LARGE());

    const routePath = this.stripStage(request.rawPath);
    const match = routePath === undefined ? undefined : this.routeTable.select(request.method, routePath);
    if (!match) return fail(NOT_FOUND());
    const routeKey = match.routeKey;

    const bucket = this.bucketFor(routeKey);
    if (bucket && !bucket.tryTake()) return fail(TOO_MANY_REQUESTS(), routeKey);

    const parts = splitRequestParts(request);
    const requestContext = buildRequestContext(request, parts, {
      accountId: this.accountId,
      apiId: this.apiId,
      stage: this.stageName,
      routeKey,
      requestId,
      requestTime,
    });

    let authorizerContext: Record<string, unknown> | undefined;
    let auth = 'none';
    if (match.target.authorizer) {
      const routeArn =
        `arn:aws:execute-api:${this.region}:${this.accountId}:${this.apiId}/${this.stageName}/` +
        `${request.method}${request.rawPath}`;
      const identity: IdentityInput = {
        headers: parts.headers,
        queryStringParameters: parts.queryStringParameters,
        stageVariables: this.stageVariables,
        context: { routeKey, requestId, stage: this.stageName, apiId: this.apiId, accountId: this.accountId },
      };
      const decision = await match.target.authorizer.authorize(
        identity,
        (identitySource) =>
          buildAuthorizerEvent({
            request,
            parts,
            requestContext,
            pathParameters: match.pathParameters,
            stageVariables: this.stageVariables,
            routeArn,
            identitySource,
          }),
        routeArn,
      );
      auth = describeDecision(decision);
      if (decision.outcome === 'unauthorized') return fail(UNAUTHORIZED(), routeKey, auth);
      if (decision.outcome === 'deny') return fail(FORBIDDEN(), routeKey, auth);
      if (decision.outcome === 'error') {
        this.log(`[apigw] authorizer ${match.target.authorizer.id} failed: ${decision.reason}`);
        return fail(INTERNAL_SERVER_ERROR(), routeKey, auth);
      }
      authorizerContext = decision.context ?? {};
    }

    const integrationId = match.target.integrationId;
    const integration = integrationId ? this.integrations.get(integrationId) : undefined;
    if (!integration) {
      this.log(`[apigw] route '${routeKey}' has no integration`);
      return fail(INTERNAL_SERVER_ERROR(), routeKey, auth);
    }

    const event = buildProxyEvent({
      request,
      parts,
      requestContext,
      pathParameters: match.pathParameters,
      stageVariables: this.stageVariables,
      body,
      authorizerContext,
    });
    const integrationStarted = performance.now();
    const result = await this.invokeWithTimeout(integration, event);
    const integrationMs = Math.round(performance.now() - integrationStarted);
    const done = (response: HttpResponse): Outcome => ({ response, routeKey, auth, integrationMs });

    if (result === 'timeout') {
      this.log(`[apigw] integration timed out after ${integration.timeoutMs}ms (${integration.functionArn})`);
      return done(SERVICE_UNAVAILABLE());
    }
    if (result instanceof Error) {
      this.log(`[apigw] integration could not be invoked: ${result.message}`);
      return done(INTERNAL_SERVER_ERROR());
    }
    if (!result.ok) {
      this.log(`[apigw] integration failed: ${result.errorType}: ${result.errorMessage}`);
      return done(INTERNAL_SERVER_ERROR());
    }
    try {
      return done(mapLambdaResult(result.value));
    } catch (error) {
      if (!(error instanceof MalformedProxyResponseError)) throw error;
      this.log(`[apigw] ${error.message}`);
      return done(INTERNAL_SERVER_ERROR());
    }
  }

  private async invokeWithTimeout(
    integration: Integration,
    event: unknown,
  ): Promise<Awaited<ReturnType<Invoke>> | 'timeout' | Error> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), integration.timeoutMs);
    });
    const invocation = Promise.resolve()
      .then(() => this.invoker(integration.functionArn)(event))
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    try {
      // The invocation keeps running after a timeout, as a real Lambda does; its result is dropped.
      return await Promise.race([invocation, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private invoker(functionArn: string): Invoke {
    let invoke = this.invokers.get(functionArn);
    if (!invoke) {
      invoke = this.resolveFunction(functionArn);
      this.invokers.set(functionArn, invoke);
    }
    return invoke;
  }

  /** Route settings apply per route; null means the route is not throttled. */
  private bucketFor(routeKey: string): TokenBucket | null {
    let bucket = this.buckets.get(routeKey);
    if (bucket === undefined) {
      const settings: RouteSettings = {
        ...this.stage.DefaultRouteSettings,
        ...this.stage.RouteSettings?.[routeKey],
      };
      const rate = settings.ThrottlingRateLimit;
      const burst = settings.ThrottlingBurstLimit;
      bucket = rate === undefined && burst === undefined ? null : new TokenBucket(rate ?? 0, burst ?? 0);
      this.buckets.set(routeKey, bucket);
    }
    return bucket;
  }

  /** With a named stage the URL starts with `/<stage>`; `$default` is served from the root. */
  private stripStage(rawPath: string): string | undefined {
    if (this.stageName === '$default') return rawPath;
    const prefix = `/${this.stageName}`;
    if (rawPath === prefix) return '/';
    return rawPath.startsWith(`${prefix}/`) ? rawPath.slice(prefix.length) : undefined;
  }
}

function describeDecision(decision: AuthorizerDecision): string {
  switch (decision.outcome) {
    case 'unauthorized':
      return 'missing-identity';
    case 'allow':
      return decision.cached ? 'allow(cached)' : `allow(${decision.latencyMs}ms)`;
    case 'deny':
      return decision.cached ? 'deny(cached)' : `deny(${decision.latencyMs}ms)`;
    case 'error':
      return 'error';
  }
}
