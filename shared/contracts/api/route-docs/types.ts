/** The shapes of a route's documentation: its operation, request and responses. */
import type { ProblemSlug } from '../problem-types';

/** What a response carries: one of the component schemas, the stored ninjs document, or nothing. */
export type ResponseBody =
  | 'ItemReceipt'
  | 'VersionList'
  | 'ItemList'
  | 'Ninjs'
  | 'ItemTranslation'
  | 'Problem'
  | 'Subscription'
  | 'SubscriptionWithSecret'
  | 'SubscriptionList'
  | 'RotatedSecret'
  | 'DeliveryList'
  | 'Delivery'
  | 'FeedPage'
  | 'NoContent';
export type ResponseHeader = 'ETag' | 'Location' | 'Allow' | 'WWW-Authenticate' | 'Retry-After';

export interface ResponseSpec {
  description: string;
  body: ResponseBody;
  headers?: readonly ResponseHeader[];
  /** The problem types this status can carry, when not just the one registered for the status. */
  problems?: readonly ProblemSlug[];
}

export interface QueryParameter {
  name: string;
  description: string;
  schema: { type: 'string' | 'integer' | 'boolean'; minimum?: number; maximum?: number; format?: string };
}

export interface RouteDoc {
  operationId: string;
  summary: string;
  /** The request body is a ninjs 2.2 document. */
  ninjsBody: boolean;
  /** The request must carry `If-Match` with the current ETag (optimistic concurrency). */
  ifMatch: boolean;
  /** A JSON request body described by this component schema. */
  jsonBody?: 'CreateSubscriptionRequest';
  /** Pagination query parameters (`limit`, `cursor`). */
  paginated?: boolean;
  /** Other query parameters. */
  query?: readonly QueryParameter[];
  responses: Readonly<Record<number, ResponseSpec>>;
}
