/**
 * One request through an HTTP API, in API Gateway's order: the 10 MB payload limit, the stage prefix,
 * route selection, stage throttling, the Lambda authorizer, then the Lambda proxy integration with its
 * timeout and the mapping of its result to a response.
 */
import type { IncomingMessage } from 'node:http';
import type { AuthorizerDecision, IdentityInput } from './authorizer';
import type { Integration, RouteTarget } from './definition';
import {
  buildAuthorizerEvent,
  buildProxyEvent,
  buildRequestContext,
  type IncomingRequest,
  splitRequestParts,
} from './event';
import { readBody } from './http-io';
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
import type { RouteTable } from './routes';
import { TokenBucket } from './throttle';
import type { Invoke, RouteSettings, StageProperties } from './types';

/** HTTP API payload quota: 10 MB, not adjustable. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export interface DispatcherOptions {
  apiId: string;
  accountId: string;
  region: string;
  stage: StageProperties;
  routeTable: RouteTable<RouteTarget>;
  integrations: Map<string, Integration>;
  /** The function behind an ARN (resolved once per ARN by the caller). */
  invoker: (functionArn: string) => Invoke;
  log: (line: string) => void;
}

/** What became of a request: the response, and what the access log line reports. */
export interface Outcome {
  response: HttpResponse;
  routeKey: string;
  auth: string;
  integrationMs: number | undefined;
}

export class RequestDispatcher {
  private readonly apiId: string;
  private readonly accountId: string;
  private readonly region: string;
  private readonly stage: StageProperties;
  private readonly stageName: string;
  private readonly stageVariables: Record<string, string> | undefined;
  private readonly routeTable: RouteTable<RouteTarget>;
  private readonly integrations: Map<string, Integration>;
  private readonly buckets = new Map<string, TokenBucket | null>();
  private readonly invoker: (functionArn: string) => Invoke;
  private readonly log: (line: string) => void;

  constructor(options: DispatcherOptions) {
    this.apiId = options.apiId;
    this.accountId = options.accountId;
    this.region = options.region;
    this.stage = options.stage;
    this.stageName = this.stage.StageName ?? '$default';
    this.stageVariables = this.stage.StageVariables;
    this.routeTable = options.routeTable;
    this.integrations = options.integrations;
    this.invoker = options.invoker;
    this.log = options.log;
  }

  async dispatch(
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
