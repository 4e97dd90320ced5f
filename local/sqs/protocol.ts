/**
 * The SQS AWS JSON 1.0 protocol's members: reading a request's inputs (with SQS's errors for missing
 * or invalid ones) and writing a received message the way SQS does.
 */
import { SqsError } from './errors';
import type { MessageAttributeValue } from './md5';
import type { ReceivedMessage, SendOutput, StoredMessage } from './model';

const LOCAL_SENDER_ID = 'AIDALOCALSQSSENDER000';

/** Queue attributes SQS knows: asking for one a local queue has no value for is not an error. */
export const KNOWN_QUEUE_ATTRIBUTES = new Set([
  'Policy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'RedriveAllowPolicy',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'RedrivePolicy',
]);

export function messageOutput(received: ReceivedMessage, systemNames: string[], attributeNames: string[]) {
  const m: StoredMessage = received.message;
  const output: Record<string, unknown> = {
    MessageId: m.messageId,
    ReceiptHandle: received.receiptHandle,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
  };
  const system = systemAttributes(m);
  const wantedSystem = systemNames.includes('All') ? Object.keys(system) : systemNames;
  const attributes = Object.fromEntries(
    wantedSystem.filter((k) => system[k] !== undefined).map((k) => [k, system[k]]),
  );
  if (Object.keys(attributes).length > 0) output.Attributes = attributes;
  const messageAttributes = Object.fromEntries(
    Object.entries(m.messageAttributes).filter(([name]) => attributeRequested(name, attributeNames)),
  );
  if (Object.keys(messageAttributes).length > 0) {
    output.MessageAttributes = messageAttributes;
    output.MD5OfMessageAttributes = m.md5OfMessageAttributes;
  }
  return output;
}

/** The system attributes of a message (as strings), e.g. for the Lambda event's `attributes`. */
export function systemAttributes(m: StoredMessage): Record<string, string> {
  const out: Record<string, string> = {
    SenderId: LOCAL_SENDER_ID,
    SentTimestamp: String(m.sentTimestamp),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.firstReceiveTimestamp ?? m.sentTimestamp),
  };
  const trace = m.messageSystemAttributes.AWSTraceHeader?.StringValue;
  if (trace) out.AWSTraceHeader = trace;
  if (m.deadLetterQueueSourceArn) out.DeadLetterQueueSourceArn = m.deadLetterQueueSourceArn;
  return out;
}

function attributeRequested(name: string, requested: string[]): boolean {
  return requested.some(
    (pattern) =>
      pattern === 'All' ||
      pattern === '.*' ||
      pattern === name ||
      (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
  );
}

export function sendInput(input: Record<string, unknown>) {
  return {
    body: input.MessageBody as string,
    delaySeconds: optionalNumber(input, 'DelaySeconds'),
    messageAttributes: input.MessageAttributes as Record<string, MessageAttributeValue> | undefined,
    messageSystemAttributes: input.MessageSystemAttributes as
      | Record<string, MessageAttributeValue>
      | undefined,
  };
}

/** A sent message's ids and checksums, as SendMessage and each SendMessageBatch entry answer them. */
export function sendOutput(result: SendOutput) {
  return {
    MessageId: result.messageId,
    MD5OfMessageBody: result.md5OfBody,
    ...(result.md5OfMessageAttributes ? { MD5OfMessageAttributes: result.md5OfMessageAttributes } : {}),
    ...(result.md5OfMessageSystemAttributes
      ? { MD5OfMessageSystemAttributes: result.md5OfMessageSystemAttributes }
      : {}),
  };
}

export function batchEntries(input: Record<string, unknown>): Array<Record<string, unknown>> {
  const entries = Array.isArray(input.Entries) ? (input.Entries as Array<Record<string, unknown>>) : [];
  if (entries.length === 0) {
    throw new SqsError(
      'EmptyBatchRequest',
      'There should be at least one SendMessageBatchRequestEntry in the request.',
      'AWS.SimpleQueueService.EmptyBatchRequest',
    );
  }
  if (entries.length > 10) {
    throw new SqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    );
  }
  const ids = new Set<string>();
  for (const entry of entries) {
    const id = entry.Id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
      throw new SqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
        'AWS.SimpleQueueService.InvalidBatchEntryId',
      );
    }
    if (ids.has(id)) {
      throw new SqsError(
        'BatchEntryIdsNotDistinct',
        `Id ${id} repeated.`,
        'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
      );
    }
    ids.add(id);
  }
  return entries;
}

export function requiredString(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') {
    throw new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);
  }
  return value;
}

export function requiredNumber(input: Record<string, unknown>, name: string): number {
  const value = optionalNumber(input, name);
  if (value === undefined)
    throw new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);
  return value;
}

export function optionalNumber(input: Record<string, unknown>, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number))
    throw new SqsError('InvalidParameterValue', `Value for parameter ${name} is invalid.`);
  return number;
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
