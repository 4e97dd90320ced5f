import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { injectLambdaContext, Logger } from './logger';
import { logMetrics, Metrics } from './metrics';

/**
 * The one logger and metrics setup of a Lambda execution environment, like the SDK clients in
 * clients/. Service name, metrics namespace and log level come from the POWERTOOLS_* variables
 * every function gets (infra/constructs/diplowire-function.ts), so nothing here is per function;
 * locally the same variables come from the template, and `POWERTOOLS_DEV=true` pretty-prints.
 */
export const logger = new Logger();
export const metrics = new Metrics();

/**
 * The start of every non-HTTP handler (HTTP ones: shared/adapters/http/http-handler.ts, which does
 * the same): the invocation's context on every log line, keys reset between invocations, metrics
 * flushed after each one, and the ColdStart metric on the first.
 */
export function observedHandler<TEvent, TResult = void>(): middy.MiddyfiedHandler<
  TEvent,
  TResult,
  Error,
  Context
> {
  return middy<TEvent, TResult, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
