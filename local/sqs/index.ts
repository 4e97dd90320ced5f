export type {
  MessageState,
  QueueCounts,
  QueueDefinition,
  ReceivedMessage,
  ReceiveInput,
  SendInput,
  SendOutput,
  SqsEngineOptions,
  StoredMessage,
} from './engine';
export { SqsEngine, SqsError } from './engine';
export type {
  EventSourceInvokeResult,
  SqsEventSource,
  SqsEventSourceOptions,
  SqsRecord,
} from './event-source';
export { startSqsEventSource } from './event-source';
export type { MessageAttributeValue } from './md5';
export { md5OfBody, md5OfMessageAttributes } from './md5';
export type { LocalQueue, LocalSqsOptions } from './server';
export { LocalSqs, sqsQueueUrl, systemAttributes } from './server';
export {
  queueDefinitionFromTemplate,
  SQS_EVENT_SOURCE_MAPPING_SUPPORT,
  SQS_QUEUE_SUPPORT,
  sqsEventSourceSettings,
  sqsResourceProvider,
} from './template';
