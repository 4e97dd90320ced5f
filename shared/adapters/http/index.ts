export { ForbiddenError } from './errors';
export {
  type HttpHandlerOptions,
  type HttpLambdaHandler,
  httpHandler,
  type RouteHandler,
  type RouteHandlers,
  recordOutcome,
} from './http-handler';
export {
  INTERNAL_ERROR_DETAIL,
  internalErrorResponse,
  problemDetails,
  problemResponse,
} from './problem-details';
export {
  documentBody,
  itemList,
  itemPath,
  itemReceipt,
  releaseHeaders,
  versionList,
  versionPath,
  versionsPath,
} from './representations';
export {
  type AuthenticatedCaller,
  header,
  itemIdParam,
  jsonBody,
  parseIfMatch,
  pathParam,
  requireCaller,
  requireScope,
  versionParam,
} from './request';
export { JSON_CONTENT_TYPE, json, jsonText, PROBLEM_CONTENT_TYPE } from './response';
export type { HttpEvent, HttpResponse } from './types';
