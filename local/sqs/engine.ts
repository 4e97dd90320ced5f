/**
 * The in-process queue engine: SQS's operations on standard queues, with their semantics: at-least-once
 * delivery, visibility timeouts, delays, long polling, redrive to a dead-letter queue, and retention.
 * Messages' shapes are in `model.ts`, persistence in `queue-journal.ts`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { queueDoesNotExist, SqsError } from './errors';
import { md5OfBody, md5OfMessageAttributes } from './md5';
import type {
  MessageState,
  QueueCounts,
  QueueDefinition,
  ReceivedMessage,
  ReceiveInput,
  SendInput,
  SendOutput,
  StoredMessage,
} from './model';
import { newQueue, type Queue, sortedMessages, stateOf } from './queue';
import { QueueJournal } from './queue-journal';
import { parseReceiptHandle, receiptHandleOf } from './receipt-handle';
import { checkRange, validateBody } from './validation';

export interface SqsEngineOptions {
  queues: readonly QueueDefinition[];
  region: string;
  accountId: string;
  /**
   * Directory for each queue's snapshot and journal, so messages survive a restart (and a crash). In
   * memory when omitted.
   */
  dataDir?: string;
  log: (line: string) => void;
  now?: () => number;
}

export class SqsEngine {
  private readonly queues = new Map<string, Queue>();
  private readonly dirty = new Set<Queue>();
  private flushScheduled = false;
  private closed = false;
  private readonly now: () => number;
  /** Undefined when the queues live in memory only. */
  private readonly journal: QueueJournal | undefined;

  constructor(private readonly options: SqsEngineOptions) {
    this.now = options.now ?? Date.now;
    this.journal = options.dataDir ? new QueueJournal(options.dataDir, options.log) : undefined;
    for (const definition of options.queues) {
      const queue = newQueue(definition, this.arnOf(definition.name), this.now());
      this.journal?.restore(queue);
      this.queues.set(definition.name, queue);
    }
  }

  get region(): string {
    return this.options.region;
  }

  get accountId(): string {
    return this.options.accountId;
  }

  arnOf(name: string): string {
    return `arn:aws:sqs:${this.options.region}:${this.options.accountId}:${name}`;
  }

  queueNames(): string[] {
    return [...this.queues.keys()].sort();
  }

  /** Finds a queue by name, ARN or URL. */
  resolveName(nameArnOrUrl: string): string {
    const name = nameArnOrUrl.startsWith('arn:')
      ? nameArnOrUrl.split(':').at(-1)!
      : nameArnOrUrl.includes('/')
        ? decodeURIComponent(nameArnOrUrl.replace(/\/+$/, '').split('/').at(-1)!)
        : nameArnOrUrl;
    if (!this.queues.has(name)) throw queueDoesNotExist();
    return name;
  }

  definition(name: string): Queue['definition'] & { arn: string; createdTimestamp: number } {
    const queue = this.queue(name);
    return { ...queue.definition, arn: queue.arn, createdTimestamp: queue.createdTimestamp };
  }

  send(queueName: string, input: SendInput): SendOutput {
    const queue = this.queue(queueName);
    validateBody(input.body, queue.definition.maximumMessageSize, input.messageAttributes);
    const delaySeconds = input.delaySeconds ?? queue.definition.delaySeconds;
    checkRange('DelaySeconds', delaySeconds, 0, 900);
    const now = this.now();
    const message: StoredMessage = {
      messageId: randomUUID(),
      body: input.body,
      md5OfBody: md5OfBody(input.body),
      messageAttributes: input.messageAttributes ?? {},
      messageSystemAttributes: input.messageSystemAttributes ?? {},
      sentTimestamp: now,
      visibleAt: now + delaySeconds * 1000,
      receiveCount: 0,
      sequence: ++queue.sequence,
    };
    const attributesMd5 = md5OfMessageAttributes(message.messageAttributes);
    if (attributesMd5) message.md5OfMessageAttributes = attributesMd5;
    const systemMd5 = md5OfMessageAttributes(message.messageSystemAttributes);
    if (systemMd5) message.md5OfMessageSystemAttributes = systemMd5;
    queue.messages.set(message.messageId, message);
    this.changed(queue, message.messageId);
    this.options.log(
      `send ${queueName} ${message.messageId}${delaySeconds ? ` delay ${delaySeconds}s` : ''} (${Buffer.byteLength(input.body)} bytes)`,
    );
    const output: SendOutput = { messageId: message.messageId, md5OfBody: message.md5OfBody };
    if (attributesMd5) output.md5OfMessageAttributes = attributesMd5;
    if (systemMd5) output.md5OfMessageSystemAttributes = systemMd5;
    return output;
  }

  /** Receives up to `maxNumberOfMessages`, waiting up to `waitTimeSeconds` for one to become available. */
  async receive(queueName: string, input: ReceiveInput = {}): Promise<ReceivedMessage[]> {
    const queue = this.queue(queueName);
    const max = input.maxNumberOfMessages ?? 1;
    checkRange('MaxNumberOfMessages', max, 1, 10);
    const wait = input.waitTimeSeconds ?? queue.definition.receiveWaitTimeSeconds;
    checkRange('WaitTimeSeconds', wait, 0, 20);
    if (input.visibilityTimeoutSeconds !== undefined) {
      checkRange('VisibilityTimeout', input.visibilityTimeoutSeconds, 0, 43_200);
    }
    const deadline = this.now() + wait * 1000;
    for (;;) {
      const received = this.receiveNow(queue, max, input.visibilityTimeoutSeconds);
      const remaining = deadline - this.now();
      if (received.length > 0 || remaining <= 0 || this.closed || input.signal?.aborted) return received;
      await this.waitForChange(queue, remaining, input.signal);
    }
  }

  /**
   * Waits (up to `maxMs`) until the queue has a visible message, without receiving it: true when it
   * has one. For a poller that must first make sure it can run what it receives.
   */
  async waitForMessages(queueName: string, maxMs: number, signal?: AbortSignal): Promise<boolean> {
    const queue = this.queue(queueName);
    const deadline = this.now() + maxMs;
    for (;;) {
      if (this.counts(queueName).visible > 0) return true;
      const remaining = deadline - this.now();
      if (remaining <= 0 || this.closed || signal?.aborted) return false;
      await this.waitForChange(queue, remaining, signal);
    }
  }

  deleteMessage(queueName: string, receiptHandle: string): void {
    const queue = this.queue(queueName);
    const { messageId, nonce } = parseReceiptHandle(queueName, receiptHandle);
    const message = queue.messages.get(messageId);
    // Deleting an already deleted message succeeds, as in SQS.
    if (!message) return;
    if (message.receiptNonce !== nonce) {
      this.options.log(`delete ${queueName} ${messageId} ignored: receipt handle is from an earlier receive`);
      return;
    }
    queue.messages.delete(messageId);
    this.changed(queue, messageId);
    this.options.log(`delete ${queueName} ${messageId}`);
  }

  changeMessageVisibility(queueName: string, receiptHandle: string, visibilityTimeoutSeconds: number): void {
    const queue = this.queue(queueName);
    checkRange('VisibilityTimeout', visibilityTimeoutSeconds, 0, 43_200);
    const { messageId, nonce } = parseReceiptHandle(queueName, receiptHandle);
    const message = queue.messages.get(messageId);
    if (!message || message.receiptNonce !== nonce || message.visibleAt <= this.now()) {
      throw new SqsError(
        'MessageNotInflight',
        `Value ${receiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
        'AWS.SimpleQueueService.MessageNotInflight',
      );
    }
    message.visibleAt = this.now() + visibilityTimeoutSeconds * 1000;
    this.changed(queue, messageId);
    this.options.log(`visibility ${queueName} ${messageId} ${visibilityTimeoutSeconds}s`);
  }

  purge(queueName: string): void {
    const queue = this.queue(queueName);
    const count = queue.messages.size;
    queue.messages.clear();
    this.changed(queue, 'all');
    this.options.log(`purge ${queueName} (${count} messages)`);
  }

  counts(queueName: string): QueueCounts {
    const queue = this.queue(queueName);
    this.expire(queue);
    const counts: QueueCounts = { visible: 0, inFlight: 0, delayed: 0 };
    const now = this.now();
    for (const message of queue.messages.values()) counts[stateOf(message, now)] += 1;
    return counts;
  }

  /** The queue's messages in arrival order, for inspection. */
  messages(queueName: string): Array<StoredMessage & { state: MessageState }> {
    const queue = this.queue(queueName);
    this.expire(queue);
    const now = this.now();
    return sortedMessages(queue).map((message) => ({ ...message, state: stateOf(message, now) }));
  }

  /**
   * Moves one visible message to another queue (a message move task's step): same body, attributes and
   * message id, received afresh there. Returns false when the message is gone or not visible any more.
   */
  moveMessage(fromName: string, messageId: string, toName: string): boolean {
    const from = this.queue(fromName);
    const to = this.queue(toName);
    const message = from.messages.get(messageId);
    const now = this.now();
    if (!message || stateOf(message, now) !== 'visible') return false;
    from.messages.delete(messageId);
    const moved: StoredMessage = {
      ...message,
      visibleAt: now,
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      receiptNonce: undefined,
      deadLetterQueueSourceArn: undefined,
      sequence: ++to.sequence,
    };
    to.messages.set(messageId, moved);
    this.changed(from, messageId);
    this.changed(to, messageId);
    this.options.log(`move ${fromName} ${messageId} -> ${toName}`);
    return true;
  }

  /** Flushes pending snapshots and ends every long poll. */
  close(): void {
    this.closed = true;
    for (const queue of this.queues.values()) for (const wake of [...queue.wakeups]) wake();
    this.flush();
  }

  // --- internals -----------------------------------------------------------------------------------------------

  private queue(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw queueDoesNotExist();
    return queue;
  }

  private receiveNow(
    queue: Queue,
    max: number,
    visibilityTimeoutSeconds: number | undefined,
  ): ReceivedMessage[] {
    this.expire(queue);
    const now = this.now();
    const received: ReceivedMessage[] = [];
    for (const message of sortedMessages(queue)) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      if (this.redriveIfExhausted(queue, message)) continue;
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.receiptNonce = randomBytes(8).toString('hex');
      message.visibleAt =
        now + (visibilityTimeoutSeconds ?? queue.definition.visibilityTimeoutSeconds) * 1000;
      this.changed(queue, message.messageId, false);
      received.push({
        message: { ...message },
        receiptHandle: receiptHandleOf(queue.definition.name, message),
      });
      this.options.log(
        `receive ${queue.definition.name} ${message.messageId} (receive #${message.receiveCount})`,
      );
    }
    return received;
  }

  /** A message about to be received once more than `maxReceiveCount` moves to the dead-letter queue instead. */
  private redriveIfExhausted(queue: Queue, message: StoredMessage): boolean {
    const policy = queue.definition.redrivePolicy;
    if (!policy || message.receiveCount < policy.maxReceiveCount) return false;
    const dlqName = policy.deadLetterTargetArn.split(':').at(-1)!;
    const dlq = this.queues.get(dlqName);
    if (!dlq) {
      this.options.log(
        `redrive ${queue.definition.name} ${message.messageId} impossible: no queue ${dlqName}`,
      );
      return false;
    }
    queue.messages.delete(message.messageId);
    const moved: StoredMessage = {
      ...message,
      visibleAt: this.now(),
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      receiptNonce: undefined,
      deadLetterQueueSourceArn: queue.arn,
      sequence: ++dlq.sequence,
    };
    dlq.messages.set(moved.messageId, moved);
    this.changed(queue, message.messageId);
    this.changed(dlq, moved.messageId);
    this.options.log(
      `redrive ${queue.definition.name} ${message.messageId} -> ${dlqName} after ${message.receiveCount} receives`,
    );
    return true;
  }

  private expire(queue: Queue): void {
    const oldest = this.now() - queue.definition.messageRetentionSeconds * 1000;
    for (const message of queue.messages.values()) {
      if (message.sentTimestamp < oldest) {
        queue.messages.delete(message.messageId);
        this.changed(queue, message.messageId, false);
        this.options.log(`expire ${queue.definition.name} ${message.messageId} (retention period passed)`);
      }
    }
  }

  private waitForChange(queue: Queue, maxMs: number, signal: AbortSignal | undefined): Promise<void> {
    // Wake on a change, on the next delayed/in-flight message becoming visible, or at the deadline.
    const now = this.now();
    let next = maxMs;
    for (const message of queue.messages.values()) {
      if (message.visibleAt > now) next = Math.min(next, message.visibleAt - now);
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        queue.wakeups.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, next));
      queue.wakeups.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes long polls (unless `wake` is false) and schedules `messageId` (or the whole queue) for the journal. */
  private changed(queue: Queue, messageId: string | 'all', wake = true): void {
    if (wake) for (const done of [...queue.wakeups]) done();
    if (!this.journal) return;
    if (messageId === 'all') queue.dirty = 'all';
    else if (queue.dirty !== 'all') queue.dirty.add(messageId);
    this.dirty.add(queue);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes what changed since the last flush to each queue's journal. */
  private flush(): void {
    this.flushScheduled = false;
    if (!this.journal) return;
    for (const queue of this.dirty) {
      const dirty = queue.dirty;
      queue.dirty = new Set();
      this.journal.write(queue, dirty);
    }
    this.dirty.clear();
  }
}
