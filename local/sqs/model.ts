/** The SQS engine's shapes: a queue's definition, a stored message, and each operation's input and output. */
import type { MessageAttributeValue } from './md5';

/** A standard (non-FIFO) queue as the template defines it; times in seconds, CloudFormation defaults. */
export interface QueueDefinition {
  name: string;
  visibilityTimeoutSeconds?: number;
  delaySeconds?: number;
  messageRetentionSeconds?: number;
  receiveWaitTimeSeconds?: number;
  maximumMessageSize?: number;
  redrivePolicy?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

export type MessageState = 'visible' | 'inFlight' | 'delayed';

export interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  messageSystemAttributes: Record<string, MessageAttributeValue>;
  md5OfMessageSystemAttributes?: string;
  sentTimestamp: number;
  /** Epoch ms from which the message can be received (delay or visibility timeout). */
  visibleAt: number;
  receiveCount: number;
  firstReceiveTimestamp?: number;
  /** Changes on every receive; only the latest receipt handle may delete or change visibility. */
  receiptNonce?: string;
  /** Set when the message was moved here by a redrive policy. */
  deadLetterQueueSourceArn?: string;
  sequence: number;
}

export interface SendInput {
  body: string;
  delaySeconds?: number;
  messageAttributes?: Record<string, MessageAttributeValue>;
  messageSystemAttributes?: Record<string, MessageAttributeValue>;
}

export interface SendOutput {
  messageId: string;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  md5OfMessageSystemAttributes?: string;
}

export interface ReceiveInput {
  maxNumberOfMessages?: number;
  visibilityTimeoutSeconds?: number;
  /** Long polling; defaults to the queue's ReceiveMessageWaitTimeSeconds. */
  waitTimeSeconds?: number;
  /** Stops a long poll early (client gone, shutdown). */
  signal?: AbortSignal;
}

export interface ReceivedMessage {
  message: StoredMessage;
  receiptHandle: string;
}

export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}
