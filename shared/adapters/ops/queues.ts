/**
 * Dead-letter queues for operators: depth and sources, a peek that leaves every message where it was,
 * and the redrive as SQS does it (a message move task, followed to its end).
 */
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { queueNameOf } from './stage';

export interface QueueFacts {
  name: string;
  url: string;
  arn: string;
  visible: number;
  inFlight: number;
  delayed: number;
  /** Names of the queues whose redrive policy sends their failed messages here. */
  sources: string[];
  sourceUrls: string[];
}

export async function queueFacts(client: SQSClient, url: string): Promise<QueueFacts> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'QueueArn',
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const sourceUrls: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(
      new ListDeadLetterSourceQueuesCommand({ QueueUrl: url, NextToken, MaxResults: 1000 }),
    );
    sourceUrls.push(...(page.queueUrls ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  const count = (name: string) => Number(Attributes[name as keyof typeof Attributes] ?? 0);
  return {
    name: queueNameOf(url),
    url,
    arn: Attributes.QueueArn ?? '',
    visible: count('ApproximateNumberOfMessages'),
    inFlight: count('ApproximateNumberOfMessagesNotVisible'),
    delayed: count('ApproximateNumberOfMessagesDelayed'),
    sources: sourceUrls.map(queueNameOf),
    sourceUrls,
  };
}

export interface PeekedMessage {
  messageId: string;
  body: string;
  sentAt?: string;
  /** Receives so far, this peek's included. */
  receiveCount?: number;
  attributes: Record<string, string>;
  messageAttributes: Record<string, string>;
}

/** How long a peeked message stays hidden at most, should the peek be interrupted before it hands it back. */
const PEEK_HOLD_SECONDS = 30;

/**
 * Up to `max` messages, read with ReceiveMessage and made visible again at once
 * (ChangeMessageVisibility 0): nothing is consumed. Each peek counts as a receive (SQS cannot read
 * otherwise); dead-letter queues have no redrive policy of their own, so that changes nothing.
 */
export async function peekMessages(client: SQSClient, url: string, max: number): Promise<PeekedMessage[]> {
  const seen = new Map<string, Message>();
  const handles: Array<{ id: string; handle: string }> = [];
  try {
    // Short polls sample different servers: a few empty answers in a row mean there is nothing more.
    for (let empty = 0; seen.size < max && empty < 3; ) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, max - seen.size),
          VisibilityTimeout: PEEK_HOLD_SECONDS,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      const fresh = Messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
      empty = fresh.length === 0 ? empty + 1 : 0;
      for (const message of Messages) {
        if (message.ReceiptHandle) handles.push({ id: `h${handles.length}`, handle: message.ReceiptHandle });
        if (message.MessageId && !seen.has(message.MessageId) && seen.size < max)
          seen.set(message.MessageId, message);
      }
    }
  } finally {
    await releaseAll(client, url, handles);
  }
  return [...seen.values()].map(toPeeked);
}

async function releaseAll(
  client: SQSClient,
  url: string,
  handles: Array<{ id: string; handle: string }>,
): Promise<void> {
  for (let i = 0; i < handles.length; i += 10) {
    const batch = handles.slice(i, i + 10);
    const { Failed = [] } = await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: batch.map(({ id, handle }) => ({ Id: id, ReceiptHandle: handle, VisibilityTimeout: 0 })),
      }),
    );
    // A handle superseded by a later receive of the same message fails; that later one is in the list too.
    const real = Failed.filter((f) => f.Code !== 'ReceiptHandleIsInvalid' && f.Code !== 'MessageNotInflight');
    if (real.length > 0)
      throw new Error(
        `${real.length} peeked message(s) could not be made visible again (${real[0]?.Code}); they reappear within ${PEEK_HOLD_SECONDS} s`,
      );
  }
}

function toPeeked(message: Message): PeekedMessage {
  const attributes = Object.fromEntries(
    Object.entries(message.Attributes ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])),
  );
  const sent = Number(attributes.SentTimestamp);
  const received = Number(attributes.ApproximateReceiveCount);
  return {
    messageId: message.MessageId ?? '',
    body: message.Body ?? '',
    ...(Number.isFinite(sent) && sent > 0 && { sentAt: new Date(sent).toISOString() }),
    ...(Number.isFinite(received) && received > 0 && { receiveCount: received }),
    attributes,
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [
        k,
        v.StringValue ?? (v.BinaryValue ? `<${v.BinaryValue.length} bytes>` : ''),
      ]),
    ),
  };
}

export interface MoveTask {
  status: string;
  moved: number;
  toMove?: number;
  failureReason?: string;
  destinationArn?: string;
  startedAt?: string;
}

/** Starts moving the DLQ's messages back to their source queues (or to `destinationArn`). */
export async function startRedrive(
  client: SQSClient,
  sourceArn: string,
  options: { destinationArn?: string; maxPerSecond?: number } = {},
): Promise<string> {
  const { TaskHandle } = await client.send(
    new StartMessageMoveTaskCommand({
      SourceArn: sourceArn,
      ...(options.destinationArn && { DestinationArn: options.destinationArn }),
      ...(options.maxPerSecond !== undefined && { MaxNumberOfMessagesPerSecond: options.maxPerSecond }),
    }),
  );
  return TaskHandle ?? '';
}

/** The most recent move task of the DLQ (ListMessageMoveTasks lists newest first). */
export async function latestMoveTask(client: SQSClient, sourceArn: string): Promise<MoveTask | undefined> {
  const { Results = [] } = await client.send(
    new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }),
  );
  const task = Results[0];
  if (task === undefined) return undefined;
  return {
    status: task.Status ?? 'UNKNOWN',
    moved: task.ApproximateNumberOfMessagesMoved ?? 0,
    ...(task.ApproximateNumberOfMessagesToMove !== undefined && {
      toMove: task.ApproximateNumberOfMessagesToMove,
    }),
    ...(task.FailureReason && { failureReason: task.FailureReason }),
    ...(task.DestinationArn && { destinationArn: task.DestinationArn }),
    ...(task.StartedTimestamp !== undefined && { startedAt: new Date(task.StartedTimestamp).toISOString() }),
  };
}
