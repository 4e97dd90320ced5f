import middy, { type MiddlewareObj, type MiddyfiedHandler, type Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  allowedMethods,
  CATCH_ALL_ROUTE,
  getRouteOf,
  HEAD_ROUTES,
  type HeadRouteKey,
  METHOD_FALLBACK_ROUTES,
  ROUTES,
  type RouteKey,
} from '../../contracts/api/routes';
import { MethodNotAllowedError, NotFoundError, TooManyRequestsError } from '../../domain/errors';
import { MAX_PARTNERS, type PartnerRateGate, parseRateLimit } from '../../domain/rate-limit';
import { dynamoDb } from '../clients/dynamodb';
import { DynamoPartnerRateGate } from '../dynamodb/partner-rate-gate';
import { requireEnv } from '../env';
import { injectLambdaContext, type Logger } from '../logger';
import { logMetrics, type Metrics, MetricUnit } from '../metrics';
import { problemDetails } from './problem-details';
import { type AuthenticatedCaller, requireCaller, requireScope } from './request';
import type { HttpEvent, HttpResponse } from './types';

export type RouteHandler = (event: HttpEvent, caller: AuthenticatedCaller) => Promise<HttpResponse>;
export type RouteHandlers = Partial<Record<RouteKey, RouteHandler>>;

export interface HttpHandlerOptions {
  logger: Logger;
  metrics: Metrics;
  /** Also answer the catch-all route keys: 405 with `Allow` on known paths, 404 elsewhere. */
  serveFallbacks?: boolean;
  /** Routes outside the table that need no caller (e.g. the problem type pages), by route key. */
  publicRoutes?: Record<string, (event: HttpEvent) => Promise<HttpResponse>>;
  /**
   * Each partner's share of the API, checked before the route reads the body. Default: from the
   * environment (`PARTNER_RATE_LIMIT` `<rate>/<burst>`, shared through `PARTNERS_TABLE_NAME`);
   * no variable, no limit.
   */
  partnerRateGate?: PartnerRateGate;
}

export type HttpLambdaHandler = MiddyfiedHandler<HttpEvent, HttpResponse, Error, Context>;

/**
 * The one middleware stack of every API function: Lambda context in the logs, metrics flushed
 * as EMF, and problem+json for every error. Each route is authenticated and scope-checked from
 * the contract's route table before its handler runs, so a handler cannot forget either.
 */
export function httpHandler(routes: RouteHandlers, options: HttpHandlerOptions): HttpLambdaHandler {
  const { logger, metrics, serveFallbacks = false } = options;
  const rateGate = options.partnerRateGate ?? partnerRateGateFromEnv();
  // A partner over its share is logged once per refusal window (its first 429); the repeats, one per
  // request of a flood, are counted by PartnerRateLimited but not logged (log volume is cost).
  const loggedRefusals = new Map<string, number>();
  const unloggedErrors = new WeakSet<Error>();

  /** A refusal, or undefined. The share protects the API; its store failing must not take the API down with it. */
  const overShare = async (partnerId: string) => {
    try {
      const decision = await rateGate?.take(partnerId, Date.now());
      return decision?.allowed === false ? decision : undefined;
    } catch (error) {
      logger.warn('Partner rate limit unavailable; request let through', { error });
      metrics.addMetric('PartnerRateLimitUnavailable', MetricUnit.Count, 1);
      return undefined;
    }
  };

  const dispatch = async (event: HttpEvent): Promise<HttpResponse> => {
    const routeKey = event.routeKey;
    logger.appendKeys({ routeKey, requestId: event.requestContext.requestId });
    const publicRoute = options.publicRoutes?.[routeKey];
    if (publicRoute && Object.hasOwn(options.publicRoutes!, routeKey)) return publicRoute(event);
    const served = servingRoute(routeKey);
    const route = served === undefined ? undefined : routes[served];
    if (served !== undefined && route) {
      const caller = requireCaller(event);
      logger.appendKeys({ partnerId: caller.partnerId });
      const decision = await overShare(caller.partnerId);
      if (decision) {
        metrics.addMetric('PartnerRateLimited', MetricUnit.Count, 1);
        const refusal = new TooManyRequestsError(
          `This partner's request rate is over its limit; retry after ${decision.retryAfterSeconds} s.`,
          { headers: { 'Retry-After': String(decision.retryAfterSeconds) } },
        );
        if (loggedRefusals.get(caller.partnerId) === decision.untilMs) unloggedErrors.add(refusal);
        else {
          if (loggedRefusals.size >= MAX_PARTNERS) loggedRefusals.clear();
          loggedRefusals.set(caller.partnerId, decision.untilMs);
        }
        throw refusal;
      }
      requireScope(caller, ROUTES[served].scope);
      return route(event, caller);
    }
    if (serveFallbacks && Object.hasOwn(METHOD_FALLBACK_ROUTES, routeKey)) {
      const path = METHOD_FALLBACK_ROUTES[routeKey as keyof typeof METHOD_FALLBACK_ROUTES];
      const allow = allowedMethods(path).join(', ');
      throw new MethodNotAllowedError(
        `${event.requestContext.http.method} is not supported here; use ${allow}.`,
        {
          headers: { Allow: allow },
        },
      );
    }
    if (!(serveFallbacks && routeKey === CATCH_ALL_ROUTE)) {
      // A route wired to the wrong function is a deployment fault worth seeing, but still a 404 to the client.
      logger.warn('Route not served by this function', { routeKey });
    }
    throw new NotFoundError('No such resource.');
  };

  return middy<HttpEvent, HttpResponse, Error, Context>()
    .use(headOnly())
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(problemDetails({ logger, metrics, unlogged: (error) => unloggedErrors.has(error) }))
    .handler(dispatch);
}

/** The shared per-partner share the environment asks for (read once, at cold start; fails fast). */
function partnerRateGateFromEnv(env: NodeJS.ProcessEnv = process.env): PartnerRateGate | undefined {
  const raw = env.PARTNER_RATE_LIMIT;
  if (raw === undefined || raw.trim() === '') return undefined;
  return new DynamoPartnerRateGate(dynamoDb, requireEnv('PARTNERS_TABLE_NAME', env), parseRateLimit(raw));
}

/**
 * The table route whose handler serves a route key: itself, or for HEAD its GET route (the same
 * checks, status and headers; `headOnly` drops the content).
 */
function servingRoute(routeKey: string): RouteKey | undefined {
  if (Object.hasOwn(HEAD_ROUTES, routeKey)) return getRouteOf(routeKey as HeadRouteKey);
  return Object.hasOwn(ROUTES, routeKey) ? (routeKey as RouteKey) : undefined;
}

/**
 * A response to HEAD carries no content (RFC 9110 §9.3.2), errors included. First in the chain, so
 * its `after` and `onError` run last, once the route or problemDetails has answered.
 */
function headOnly(): MiddlewareObj<HttpEvent, HttpResponse, Error, Context> {
  const dropContent = (request: Request<HttpEvent, HttpResponse, Error, Context>): void => {
    if (request.event.requestContext.http.method === 'HEAD' && request.response) {
      request.response = { ...request.response, body: '' };
    }
  };
  return { after: dropContent, onError: dropContent };
}

const OUTCOME_METRICS = {
  created: 'ItemCreated',
  unchanged: 'ItemUnchanged',
  corrected: 'ItemCorrected',
  retracted: 'ItemRetracted',
  read: 'ItemRead',
} as const;

/**
 * One count metric per outcome, e.g. `ItemCreated`. Every request records one (refusals count as
 * `ClientError`, faults as `InternalError`), so Powertools never warns about an empty flush.
 */
export function recordOutcome(metrics: Metrics, outcome: keyof typeof OUTCOME_METRICS): void {
  metrics.addMetric(OUTCOME_METRICS[outcome], MetricUnit.Count, 1);
}
