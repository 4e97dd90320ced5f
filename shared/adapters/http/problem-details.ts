import type { MiddlewareObj, Request } from '@middy/core';
import { itemPath } from '../../contracts/api/paths';
import { problemTypeUri } from '../../contracts/api/problem-types';
import type { Problem } from '../../contracts/api/schemas';
import { DiplowireError, ItemExistsError } from '../../domain/errors';
import type { Logger } from '../logger';
import { type Metrics, MetricUnit } from '../metrics';
import { normaliseHeaders, PROBLEM_CONTENT_TYPE } from './response';
import type { HttpEvent, HttpResponse } from './types';

export const INTERNAL_ERROR_DETAIL = 'An internal error occurred. It has been logged.';

/**
 * RFC 9457 problem details for a typed error. Typed errors are "exposed" (as middy's
 * `createError` + `expose`): their detail, field errors and extensions are meant for the client.
 */
export function problemResponse(error: DiplowireError, instance?: string): HttpResponse {
  const problem: Problem = {
    // Extensions first, so they can never overwrite the standard members.
    ...error.extensions,
    type: problemTypeUri(error.slug),
    title: error.title,
    status: error.status,
    detail: error.message,
    ...(instance !== undefined && { instance }),
    ...(error.errors && { errors: error.errors }),
  };
  return {
    statusCode: error.status,
    headers: normaliseHeaders(error.headers, linkHeaders(error), { 'content-type': PROBLEM_CONTENT_TYPE }),
    body: JSON.stringify(problem),
  };
}

/** Headers that point at a resource the error is about (the domain names it; paths are the API's). */
function linkHeaders(error: DiplowireError): Record<string, string> | undefined {
  return error instanceof ItemExistsError ? { Location: itemPath(error.itemId) } : undefined;
}

/** The answer to anything unexpected: no message, no stack, no class name. */
export function internalErrorResponse(instance?: string, requestId?: string): HttpResponse {
  const problem: Problem = {
    type: problemTypeUri('internal-error'),
    title: 'Internal server error',
    status: 500,
    detail: INTERNAL_ERROR_DETAIL,
    ...(instance !== undefined && { instance }),
    // Lets a partner quote the request when reporting the fault; it is API Gateway's id, not ours.
    ...(requestId !== undefined && { requestId }),
  };
  return {
    statusCode: 500,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE },
    body: JSON.stringify(problem),
  };
}

/**
 * Turns any error into a problem+json response. Use it LAST in the chain: middy runs onError
 * handlers in reverse order, so it answers first, and since it sets `request.response` without
 * returning it, the metrics and logger middlewares still flush in their own onError.
 */
export function problemDetails(options: {
  logger: Logger;
  metrics?: Metrics;
  /** Refusals answered without their log line (their metric still counts them), e.g. a flood's repeats. */
  unlogged?: (error: DiplowireError) => boolean;
}): MiddlewareObj<HttpEvent, HttpResponse> {
  const { logger, metrics, unlogged } = options;
  const onError = (request: Request<HttpEvent, HttpResponse>): void => {
    // Another middleware already answered (e.g. an early response); keep it.
    if (request.response !== undefined && request.response !== null) return;
    const instance = typeof request.event?.rawPath === 'string' ? request.event.rawPath : undefined;
    const error = request.error;
    if (error instanceof DiplowireError) {
      if (!unlogged?.(error))
        logger.info('Request refused', { status: error.status, problemType: problemTypeUri(error.slug) });
      metrics?.addMetric('ClientError', MetricUnit.Count, 1);
      request.response = problemResponse(error, instance);
      return;
    }
    if (error instanceof Error) logger.error('Unhandled error', error);
    else logger.error('Unhandled error', { error: String(error) });
    metrics?.addMetric('InternalError', MetricUnit.Count, 1);
    request.response = internalErrorResponse(instance, request.event?.requestContext?.requestId);
  };
  return { onError };
}
