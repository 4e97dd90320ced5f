import type { MessageAttributeValue } from './md5';
import type { ReceivedMessage } from './model';
import { systemAttributes } from './protocol';
import type { LocalQueue } from './server';

/** The slice of the local Lambda's invoke result the poller needs (structurally `InvokeResult`). */
export type EventSourceInvokeResult =
  | { ok: true; value: unknown }
  | { ok: false; errorType: string; errorMessage: string };

export interface SqsEventSourceOptions {
  queue: LocalQueue;
  /** Messages per invocation, 1..10000 (Lambda default 10). */
  batchSize?: number;
  /** How long to gather messages before invoking with a partial batch (Lambda default 0). */
  maximumBatchingWindowSeconds?: number;
  /** `FunctionResponseTypes: ['ReportBatchItemFailures']`: only the listed messages are retried. */
  reportBatchItemFailures?: boolean;
  invoke: (event: { Records: SqsRecord[] }) => Promise<EventSourceInvokeResult>;
  /**
   * Capacity to run one batch (the function's background slot), taken before receiving: a poller
   * never holds a message while it waits for capacity. `invoke` then runs in that capacity.
   */
  reserve?: () => Promise<() => void>;
  /** Concurrent batches (Lambda: `ScalingConfig.MaximumConcurrency`; 5 when unset). */
  maxConcurrency?: number;
  log?: (line: string) => void;
}

export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<
    string,
    {
      stringValue?: string;
      binaryValue?: string;
      stringListValues: string[];
      binaryListValues: string[];
      dataType: string;
    }
  >;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

export interface SqsEventSource {
  /** Stops polling and waits for the running invocation to finish. */
  stop(): Promise<void>;
}

/**
 * A Lambda event source mapping for one queue: long-polls, invokes the function with the SQS event, deletes the
 * messages it handled and leaves the rest to reappear after the visibility timeout (and eventually redrive).
 * Several pollers (the mapping's maximum concurrency), each receiving only once it holds the capacity
 * to run what it receives: messages it cannot run yet stay in the queue, visible to other consumers.
 */
export function startSqsEventSource(options: SqsEventSourceOptions): SqsEventSource {
  const { queue, invoke } = options;
  const log = options.log ?? (() => {});
  const batchSize = options.batchSize ?? 10;
  const windowMs = (options.maximumBatchingWindowSeconds ?? 0) * 1000;
  const abort = new AbortController();

  const collectBatch = async (): Promise<ReceivedMessage[]> => {
    const batch = await queue.engine.receive(queue.name, {
      maxNumberOfMessages: Math.min(10, batchSize),
      waitTimeSeconds: 0,
      signal: abort.signal,
    });
    if (batch.length === 0) return batch;
    const deadline = Date.now() + windowMs;
    while (batch.length < batchSize && !abort.signal.aborted) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const more = await queue.engine.receive(queue.name, {
        maxNumberOfMessages: Math.min(10, batchSize - batch.length),
        waitTimeSeconds: Math.min(20, Math.ceil(remaining / 1000)),
        signal: abort.signal,
      });
      batch.push(...more);
    }
    return batch;
  };

  const handleBatch = async (batch: ReceivedMessage[]) => {
    const records = batch.map((r) => toRecord(r, queue));
    const result = await invoke({ Records: records });
    if (!result.ok) {
      log(
        `${queue.name}: invocation failed (${result.errorType}: ${result.errorMessage}); ${batch.length} messages will be retried`,
      );
      return;
    }
    const failed = options.reportBatchItemFailures ? failedIds(result.value, records) : new Set<string>();
    if (failed === 'all') {
      log(`${queue.name}: invalid batchItemFailures response; the whole batch will be retried`);
      return;
    }
    for (const record of records) {
      if (failed.has(record.messageId)) continue;
      queue.engine.deleteMessage(queue.name, record.receiptHandle);
    }
    if (failed.size > 0)
      log(`${queue.name}: ${failed.size} of ${records.length} messages reported as failed`);
  };

  const reserve = options.reserve ?? (async () => () => {});
  const poll = async () => {
    while (!abort.signal.aborted) {
      try {
        // Long-poll without receiving, then take capacity, then receive what is (still) there.
        if (!(await queue.engine.waitForMessages(queue.name, 20_000, abort.signal))) continue;
        const release = await reserve();
        try {
          if (abort.signal.aborted) return;
          const batch = await collectBatch();
          // Stopped mid-poll: anything received reappears after its visibility timeout.
          if (abort.signal.aborted) return;
          if (batch.length > 0) await handleBatch(batch);
        } finally {
          release();
        }
      } catch (error) {
        log(`${queue.name}: poller error ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };
  // Lambda polls a standard queue with several concurrent batches (5 to start with), bounded by
  // the mapping's maximum concurrency; one sequential poller would serialise every batch.
  const loops = Array.from({ length: Math.max(1, options.maxConcurrency ?? 5) }, poll);

  return {
    async stop() {
      abort.abort();
      await Promise.all(loops);
    },
  };
}

/**
 * Message ids to retry from a `{ batchItemFailures: [{ itemIdentifier }] }` response; `'all'` when the response
 * names an id that is not in the batch or has none (Lambda then treats the whole batch as failed).
 */
function failedIds(value: unknown, records: SqsRecord[]): Set<string> | 'all' {
  const failures = (value as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return 'all';
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return 'all';
    failed.add(id);
  }
  return failed;
}

function toRecord(received: ReceivedMessage, queue: LocalQueue): SqsRecord {
  const m = received.message;
  const record: SqsRecord = {
    messageId: m.messageId,
    receiptHandle: received.receiptHandle,
    body: m.body,
    attributes: systemAttributes(m),
    messageAttributes: Object.fromEntries(
      Object.entries(m.messageAttributes).map(([name, value]: [string, MessageAttributeValue]) => [
        name,
        {
          ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
          ...(value.BinaryValue !== undefined ? { binaryValue: value.BinaryValue } : {}),
          stringListValues: value.StringListValues ?? [],
          binaryListValues: value.BinaryListValues ?? [],
          dataType: value.DataType,
        },
      ]),
    ),
    md5OfBody: m.md5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: queue.region,
  };
  if (m.md5OfMessageAttributes) record.md5OfMessageAttributes = m.md5OfMessageAttributes;
  return record;
}
