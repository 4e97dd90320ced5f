/** How the webhook subscription routes are documented in the OpenAPI document. */
import type { RouteKey } from '../routes';
import { forbidden, internal, subscriptionNotFound, unauthorized, wrongMediaType } from './responses';
import type { RouteDoc } from './types';

type SubscriptionRouteKey = Extract<RouteKey, `${string} /v1/subscriptions${string}`>;

export const SUBSCRIPTION_ROUTE_DOCS: { readonly [K in SubscriptionRouteKey]: RouteDoc } = {
  'POST /v1/subscriptions': {
    operationId: 'createSubscription',
    summary: 'Register a webhook subscription; the signing secret is shown only in this response',
    ninjsBody: false,
    ifMatch: false,
    jsonBody: 'CreateSubscriptionRequest',
    responses: {
      201: {
        description: 'The subscription, with its signing secret.',
        body: 'SubscriptionWithSecret',
        headers: ['Location'],
      },
      400: {
        description: 'Invalid body or refused URL; `errors` points at each fault (e.g. `/url`).',
        body: 'Problem',
      },
      401: unauthorized,
      403: forbidden,
      409: { description: 'The partner has the maximum number of subscriptions.', body: 'Problem' },
      413: { description: 'The body exceeds 16 KiB.', body: 'Problem' },
      415: wrongMediaType,
      500: internal,
    },
  },
  'GET /v1/subscriptions': {
    operationId: 'listSubscriptions',
    summary: "The caller's subscriptions, newest first",
    ninjsBody: false,
    ifMatch: false,
    paginated: true,
    responses: {
      200: {
        description: 'One page of subscriptions; `next` is the cursor of the next page.',
        body: 'SubscriptionList',
      },
      400: { description: 'Invalid `limit` or `cursor`.', body: 'Problem' },
      401: unauthorized,
      403: forbidden,
      500: internal,
    },
  },
  'GET /v1/subscriptions/{id}': {
    operationId: 'getSubscription',
    summary: 'One subscription (never its secret)',
    ninjsBody: false,
    ifMatch: false,
    responses: {
      200: { description: 'The subscription, with `disabledReason` when disabled.', body: 'Subscription' },
      401: unauthorized,
      403: forbidden,
      404: subscriptionNotFound,
      500: internal,
    },
  },
  'DELETE /v1/subscriptions/{id}': {
    operationId: 'deleteSubscription',
    summary: 'Delete a subscription; pending deliveries are cancelled',
    ninjsBody: false,
    ifMatch: false,
    responses: {
      204: { description: 'Deleted.', body: 'NoContent' },
      401: unauthorized,
      403: forbidden,
      404: subscriptionNotFound,
      500: internal,
    },
  },
  'POST /v1/subscriptions/{id}/rotate-secret': {
    operationId: 'rotateSubscriptionSecret',
    summary: 'Replace the signing secret; the old one keeps signing during the rotation window',
    ninjsBody: false,
    ifMatch: false,
    responses: {
      200: { description: 'The new secret, shown only here.', body: 'RotatedSecret' },
      401: unauthorized,
      403: forbidden,
      404: subscriptionNotFound,
      409: { description: 'A concurrent rotation won; retry.', body: 'Problem' },
      500: internal,
    },
  },
  'GET /v1/subscriptions/{id}/deliveries': {
    operationId: 'listDeliveries',
    summary: 'Deliveries of a subscription with every attempt, newest first',
    ninjsBody: false,
    ifMatch: false,
    paginated: true,
    responses: {
      200: { description: 'One page of deliveries.', body: 'DeliveryList' },
      400: { description: 'Invalid `limit` or `cursor`.', body: 'Problem' },
      401: unauthorized,
      403: forbidden,
      404: subscriptionNotFound,
      500: internal,
    },
  },
  'POST /v1/subscriptions/{id}/deliveries/{deliveryId}/redeliver': {
    operationId: 'redeliver',
    summary: 'Queue a fresh attempt sequence of a delivery, with the same webhook-id',
    ninjsBody: false,
    ifMatch: false,
    responses: {
      202: { description: 'Queued.', body: 'Delivery' },
      401: unauthorized,
      403: forbidden,
      404: { description: 'No such subscription for this partner, or no such delivery.', body: 'Problem' },
      409: { description: 'The subscription is disabled.', body: 'Problem' },
      500: internal,
    },
  },
};
