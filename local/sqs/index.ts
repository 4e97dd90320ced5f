export type { SqsEngineOptions } from './engine';
export { SqsEngine } from './engine';
export { SqsError } from './errors';
export type {
  EventSourceInvokeResult,
  SqsEventSource,
  SqsEventSourceOptions,
  SqsRecord,
} from './event-source';
export { startSqsEventSource } from './event-source';
export type { MessageAttributeValue } from './md5';
export { md5OfBody, md5OfMessageAttributes } from './md5';
/** The queue engine's shapes: definitions, messages, each operation's input and output. */
export type * from './model';
export { systemAttributes } from './protocol';
export type { LocalQueue, LocalSqsOptions } from './server';
export { LocalSqs, sqsQueueUrl } from './server';
export {
  queueDefinitionFromTemplate,
  SQS_EVENT_SOURCE_MAPPING_SUPPORT,
  SQS_QUEUE_SUPPORT,
  sqsEventSourceSettings,
  sqsResourceProvider,
} from './template';
