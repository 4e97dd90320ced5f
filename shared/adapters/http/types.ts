import type { APIGatewayEventRequestContextV2, APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * An API Gateway HTTP API event (payload format 2.0). The authorizer block is optional on purpose:
 * a route wired without the authorizer must be refused, not crash.
 */
export type HttpEvent = Omit<APIGatewayProxyEventV2, 'requestContext'> & {
  requestContext: APIGatewayEventRequestContextV2 & {
    authorizer?: { lambda?: Record<string, unknown> };
  };
};

/** A structured payload 2.0 response; `body` is always present so API Gateway never guesses. */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}
