export type { AuthorizerContext, Scope } from './authorizer-context';
export { buildOpenApiDocument, NINJS_SCHEMA_REF } from './openapi';
export {
  allowedMethods,
  CATCH_ALL_ROUTE,
  type FallbackRouteKey,
  type HttpMethod,
  METHOD_FALLBACK_ROUTES,
  ROUTES,
  type RouteKey,
  type RouteSpec,
  routeSpecs,
} from './routes';
export {
  FieldError,
  ItemLinks,
  ItemReceipt,
  ItemWarning,
  Problem,
  Pubstatus,
  VersionList,
  VersionListEntry,
} from './schemas';
