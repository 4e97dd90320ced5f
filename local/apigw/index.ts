export { functionArnFromUri, InvalidAuthorizerError } from './authorizer';
export { InvalidHttpApiError, MAX_INTEGRATION_TIMEOUT_MS } from './definition';
export { MAX_PAYLOAD_BYTES } from './dispatch';
export { isTextContentType } from './event';
export { InvalidRouteKeyError } from './routes';
export { LocalHttpApi, type LocalHttpApiOptions } from './server';
export type {
  ApiProperties,
  AuthorizerProperties,
  IntegrationProperties,
  Invoke,
  InvokeResult,
  ResolveFunction,
  RouteProperties,
  RouteSettings,
  StageProperties,
} from './types';
