export { BackgroundSlots, defaultBackgroundConcurrency } from './background-slots';
export { hostNodeMismatch, runtimeNodeMajor } from './host-node';
export type {
  Invoke,
  InvokeFailure,
  InvokeOptions,
  InvokeOutcome,
  InvokeResult,
  InvokeSuccess,
  LambdaStats,
  LocalFunctionDefinition,
  LocalLambdaOptions,
} from './local-lambda';
export { LocalLambda } from './local-lambda';
export { LAMBDA_FUNCTION_SUPPORT, lambdaFunctionDefinition } from './template';
