export { functionArnFromUri, InvalidAuthorizerError } from './authorizer';
export { isTextContentType } from './event';
export { InvalidRouteKeyError } from './routes';
export {
  InvalidHttpApiError,
  LocalHttpApi,
  type LocalHttpApiOptions,
  MAX_INTEGRATION_TIMEOUT_MS,
  MAX_PAYLOAD_BYTES,
} from './server';
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
