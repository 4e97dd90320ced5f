export type { AuthorizerContext, Scope } from './authorizer-context';
export { buildOpenApiDocument, SEED_ARTICLE, TAGS } from './openapi';
export { PROBLEM_TYPES, PROBLEMS_PATH, type ProblemSlug, problemTypeUri } from './problem-types';
export { ROUTE_DOCS, type RouteDoc, routeDoc } from './route-docs';
export {
  allowedMethods,
  CATCH_ALL_ROUTE,
  type FallbackRouteKey,
  getRouteOf,
  HEAD_ROUTES,
  type HeadRouteKey,
  type HttpMethod,
  METHOD_FALLBACK_ROUTES,
  ROUTES,
  type RouteKey,
  type RouteSpec,
  routeSpecs,
} from './routes';
export {
  CreateSubscriptionRequest,
  Delivery,
  DeliveryAttempt,
  DeliveryList,
  FieldError,
  ItemLinks,
  ItemReceipt,
  ItemTranslation,
  ItemWarning,
  Problem,
  Pubstatus,
  RotatedSecret,
  Subscription,
  SubscriptionFilter,
  SubscriptionList,
  SubscriptionWithSecret,
  TranslatedText,
  VersionList,
  VersionListEntry,
  WebhookEventType,
} from './schemas';
