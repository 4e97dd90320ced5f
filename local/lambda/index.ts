export { AsyncJournal, type QueuedInvocation } from './async-journal';
export { BackgroundSlots, defaultBackgroundConcurrency } from './background-slots';
export { hostNodeMismatch, runtimeNodeMajor } from './host-node';
export { LocalLambda } from './local-lambda';
export {
  type AsyncInvokeConfig,
  asyncFailureRecord,
  asyncInvokeConfigs,
  LAMBDA_EVENT_INVOKE_CONFIG_SUPPORT,
  LAMBDA_FUNCTION_SUPPORT,
  lambdaFunctionDefinition,
} from './template';
export type {
  AsyncFailureInfo,
  InvocationEntry,
  Invoke,
  InvokeFailure,
  InvokeOptions,
  InvokeOutcome,
  InvokeResult,
  InvokeSuccess,
  LambdaStats,
  LocalFunctionDefinition,
  LocalLambdaOptions,
} from './types';
