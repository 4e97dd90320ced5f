/**
 * An HTTP API's definition, checked once when the API is built: its Lambda proxy integrations (payload
 * format 2.0, timeouts clamped as API Gateway clamps them), its Lambda authorizers and the route table
 * that points each route key at an integration and, optionally, an authorizer. Anything the local
 * cloud does not emulate fails here, before the API serves a request.
 */
import { functionArnFromUri, LambdaAuthorizer } from './authorizer';
import { RouteTable } from './routes';
import type { AuthorizerProperties, IntegrationProperties, Invoke, RouteProperties } from './types';

/** HTTP API maximum (and default) integration timeout. */
export const MAX_INTEGRATION_TIMEOUT_MS = 30_000;
const MIN_INTEGRATION_TIMEOUT_MS = 50;

export class InvalidHttpApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidHttpApiError';
  }
}

export interface RouteTarget {
  routeKey: string;
  integrationId: string | undefined;
  authorizer: LambdaAuthorizer | undefined;
}

export interface Integration {
  functionArn: string;
  timeoutMs: number;
}

/** Keyed by integration id (what a Route's `Target: integrations/<id>` names). */
export function compileIntegrations(
  integrations: Record<string, IntegrationProperties>,
): Map<string, Integration> {
  const compiled = new Map<string, Integration>();
  for (const [id, props] of Object.entries(integrations)) {
    if (props.IntegrationType !== 'AWS_PROXY') {
      throw new InvalidHttpApiError(`Integration ${id}: only AWS_PROXY (Lambda) integrations are emulated`);
    }
    if ((props.PayloadFormatVersion ?? '2.0') !== '2.0') {
      throw new InvalidHttpApiError(`Integration ${id}: only payload format 2.0 is emulated`);
    }
    const requested = props.TimeoutInMillis ?? MAX_INTEGRATION_TIMEOUT_MS;
    compiled.set(id, {
      functionArn: functionArnFromUri(props.IntegrationUri),
      timeoutMs: Math.min(MAX_INTEGRATION_TIMEOUT_MS, Math.max(MIN_INTEGRATION_TIMEOUT_MS, requested)),
    });
  }
  return compiled;
}

/**
 * Keyed by authorizer id (what a Route's `AuthorizerId` names). `invoker` gives the function behind an
 * ARN; it is asked at the first authorization, not now.
 */
export function compileAuthorizers(
  authorizers: Record<string, AuthorizerProperties>,
  invoker: (functionArn: string) => Invoke,
): Map<string, LambdaAuthorizer> {
  const compiled = new Map<string, LambdaAuthorizer>();
  for (const [id, props] of Object.entries(authorizers)) {
    const functionArn = functionArnFromUri(props.AuthorizerUri);
    compiled.set(id, new LambdaAuthorizer({ id, properties: props, invoke: (e) => invoker(functionArn)(e) }));
  }
  return compiled;
}

export function compileRouteTable(
  routes: RouteProperties[],
  integrations: Map<string, Integration>,
  authorizers: Map<string, LambdaAuthorizer>,
): RouteTable<RouteTarget> {
  return new RouteTable(
    routes.map((route) => ({
      routeKey: route.RouteKey,
      target: routeTarget(route, integrations, authorizers),
    })),
  );
}

function routeTarget(
  route: RouteProperties,
  integrations: Map<string, Integration>,
  authorizers: Map<string, LambdaAuthorizer>,
): RouteTarget {
  let integrationId: string | undefined;
  if (route.Target !== undefined) {
    const match = /^integrations\/(.+)$/.exec(route.Target);
    if (!match || !integrations.has(match[1]!)) {
      throw new InvalidHttpApiError(`Route '${route.RouteKey}': unknown target '${route.Target}'`);
    }
    integrationId = match[1];
  }
  const authorizationType = route.AuthorizationType ?? 'NONE';
  let authorizer: LambdaAuthorizer | undefined;
  if (authorizationType === 'CUSTOM') {
    authorizer = route.AuthorizerId ? authorizers.get(route.AuthorizerId) : undefined;
    if (!authorizer) {
      throw new InvalidHttpApiError(`Route '${route.RouteKey}': unknown authorizer '${route.AuthorizerId}'`);
    }
  } else if (authorizationType !== 'NONE') {
    throw new InvalidHttpApiError(
      `Route '${route.RouteKey}': authorization type ${authorizationType} is not emulated (only NONE and CUSTOM)`,
    );
  }
  return { routeKey: route.RouteKey, integrationId, authorizer };
}
