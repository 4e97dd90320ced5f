/**
 * HTTP API Lambda REQUEST authorizer (payload 2.0): identity-source check, invocation, simple or IAM-policy
 * responses, and the result cache keyed by identity-source values.
 */
import type { AuthorizerProperties, Invoke } from './types';

export type AuthorizerDecision =
  /** An identity source is missing or empty: 401 without invoking the authorizer. */
  | { outcome: 'unauthorized' }
  | { outcome: 'allow'; context: Record<string, unknown> | undefined; cached: boolean; latencyMs: number }
  | { outcome: 'deny'; cached: boolean; latencyMs: number }
  /** The authorizer failed or answered in an invalid shape: 500. */
  | { outcome: 'error'; reason: string; latencyMs: number };

export interface IdentityInput {
  headers: Record<string, string>;
  queryStringParameters: Record<string, string> | undefined;
  stageVariables: Record<string, string> | undefined;
  context: Record<string, string>;
}

export class InvalidAuthorizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAuthorizerError';
  }
}

/**
 * Extracts the Lambda function ARN from an authorizer/integration URI
 * (`arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations`);
 * a plain Lambda ARN is returned as-is.
 */
export function functionArnFromUri(uri: string): string {
  const embedded = /:lambda:path\/[^/]+\/functions\/(arn:[^/]+)\/invocations$/.exec(uri);
  if (embedded) return embedded[1]!;
  if (/^arn:[^:]+:lambda:/.test(uri)) return uri;
  throw new InvalidAuthorizerError(`Cannot find a Lambda function ARN in '${uri}'`);
}

/** Evaluates one identity-source selection expression; undefined when absent. */
export function evaluateIdentitySource(expression: string, input: IdentityInput): string | undefined {
  const header = /^\$request\.header\.(.+)$/.exec(expression);
  if (header) return input.headers[header[1]!.toLowerCase()];
  const query = /^\$request\.querystring\.(.+)$/.exec(expression);
  if (query) return input.queryStringParameters?.[query[1]!];
  const stageVariable = /^\$stageVariables\.(.+)$/.exec(expression);
  if (stageVariable) return input.stageVariables?.[stageVariable[1]!];
  const context = /^\$context\.(.+)$/.exec(expression);
  if (context) return input.context[context[1]!];
  throw new InvalidAuthorizerError(`Unsupported identity source '${expression}'`);
}

interface CacheEntry {
  expiresAt: number;
  allowed: boolean;
  context: Record<string, unknown> | undefined;
}

export interface LambdaAuthorizerOptions {
  id: string;
  properties: AuthorizerProperties;
  invoke: Invoke;
  now?: () => number;
}

export class LambdaAuthorizer {
  readonly id: string;
  private readonly identitySources: string[];
  private readonly ttlMs: number;
  private readonly simpleResponses: boolean;
  private readonly invoke: Invoke;
  private readonly now: () => number;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(options: LambdaAuthorizerOptions) {
    const { properties } = options;
    if (properties.AuthorizerType !== 'REQUEST') {
      throw new InvalidAuthorizerError(
        `Authorizer ${options.id}: only REQUEST (Lambda) authorizers are emulated, got ${properties.AuthorizerType}`,
      );
    }
    const version = properties.AuthorizerPayloadFormatVersion ?? '2.0';
    if (version !== '2.0') {
      throw new InvalidAuthorizerError(
        `Authorizer ${options.id}: only payload format 2.0 is emulated, got ${version}`,
      );
    }
    this.id = options.id;
    this.identitySources = properties.IdentitySource ?? [];
    // API Gateway caches only when there is at least one identity source.
    this.ttlMs = this.identitySources.length > 0 ? (properties.AuthorizerResultTtlInSeconds ?? 0) * 1000 : 0;
    this.simpleResponses = properties.EnableSimpleResponses === true;
    this.invoke = options.invoke;
    this.now = options.now ?? Date.now;
  }

  /** Values of the configured identity sources, or undefined when one is missing or empty. */
  identityValues(input: IdentityInput): string[] | undefined {
    const values: string[] = [];
    for (const source of this.identitySources) {
      const value = evaluateIdentitySource(source, input);
      if (value === undefined || value === '') return undefined;
      values.push(value);
    }
    return values;
  }

  async authorize(
    identity: IdentityInput,
    buildEvent: (identitySource: string[]) => Record<string, unknown>,
    routeArn: string,
  ): Promise<AuthorizerDecision> {
    const values = this.identityValues(identity);
    if (!values) return { outcome: 'unauthorized' };
    const cacheKey = JSON.stringify(values);
    if (this.ttlMs > 0) {
      const entry = this.cache.get(cacheKey);
      if (entry && entry.expiresAt > this.now()) {
        return entry.allowed
          ? { outcome: 'allow', context: entry.context, cached: true, latencyMs: 0 }
          : { outcome: 'deny', cached: true, latencyMs: 0 };
      }
      this.cache.delete(cacheKey);
    }
    const started = performance.now();
    let result: Awaited<ReturnType<Invoke>>;
    try {
      result = await this.invoke(buildEvent(values));
    } catch (error) {
      return { outcome: 'error', reason: (error as Error).message, latencyMs: elapsed(started) };
    }
    const latencyMs = elapsed(started);
    if (!result.ok) {
      return { outcome: 'error', reason: `${result.errorType}: ${result.errorMessage}`, latencyMs };
    }
    const verdict = this.simpleResponses
      ? readSimpleResponse(result.value)
      : readPolicyResponse(result.value, routeArn);
    if ('invalid' in verdict) return { outcome: 'error', reason: verdict.invalid, latencyMs };
    if (this.ttlMs > 0) {
      this.cache.set(cacheKey, { expiresAt: this.now() + this.ttlMs, ...verdict });
    }
    return verdict.allowed
      ? { outcome: 'allow', context: verdict.context, cached: false, latencyMs }
      : { outcome: 'deny', cached: false, latencyMs };
  }
}

type Verdict = { allowed: boolean; context: Record<string, unknown> | undefined } | { invalid: string };

function readSimpleResponse(value: unknown): Verdict {
  if (!isObject(value) || typeof value.isAuthorized !== 'boolean') {
    return { invalid: 'simple response must be an object with a boolean isAuthorized' };
  }
  const context = readContext(value.context);
  if (context === null) return { invalid: 'context must be an object' };
  return { allowed: value.isAuthorized, context };
}

/** IAM-policy responses: an explicit Deny wins; otherwise an Allow whose resource matches the route ARN. */
function readPolicyResponse(value: unknown, routeArn: string): Verdict {
  if (!isObject(value) || !isObject(value.policyDocument) || !Array.isArray(value.policyDocument.Statement)) {
    return { invalid: 'IAM policy response must have policyDocument.Statement' };
  }
  const context = readContext(value.context);
  if (context === null) return { invalid: 'context must be an object' };
  let allowed = false;
  for (const statement of value.policyDocument.Statement) {
    if (!isObject(statement)) return { invalid: 'policy statements must be objects' };
    const resources = ([] as unknown[]).concat(statement.Resource ?? []);
    const applies = resources.some((r) => typeof r === 'string' && wildcardMatch(r, routeArn));
    if (!applies) continue;
    if (statement.Effect === 'Deny') return { allowed: false, context };
    if (statement.Effect === 'Allow') allowed = true;
  }
  const principalContext =
    typeof value.principalId === 'string' ? { ...context, principalId: value.principalId } : context;
  return { allowed, context: principalContext };
}

function readContext(value: unknown): Record<string, unknown> | undefined | null {
  if (value === undefined || value === null) return undefined;
  return isObject(value) ? value : null;
}

function wildcardMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
  return regex.test(value);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
