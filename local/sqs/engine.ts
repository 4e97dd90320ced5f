import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MessageAttributeValue, md5OfBody, md5OfMessageAttributes } from './md5';

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

/** A typed SQS error; `code` is the modelled shape name, `queryCode` the legacy code the SDK also understands. */
export class SqsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly queryCode: string = code,
    readonly status = 400,
    readonly senderFault = true,
  ) {
    super(message);
    this.name = code;
  }
}

export const queueDoesNotExist = () =>
  new SqsError(
    'QueueDoesNotExist',
    'The specified queue does not exist.',
    'AWS.SimpleQueueService.NonExistentQueue',
  );

const DEFAULTS = {
  visibilityTimeoutSeconds: 30,
  delaySeconds: 0,
  messageRetentionSeconds: 345_600,
  receiveWaitTimeSeconds: 0,
  maximumMessageSize: 262_144,
};

/** Characters SQS accepts in a message body (XML 1.0 character ranges). */
const INVALID_BODY_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

interface Queue {
  definition: Required<Omit<QueueDefinition, 'redrivePolicy'>> & Pick<QueueDefinition, 'redrivePolicy'>;
  arn: string;
  createdTimestamp: number;
  messages: Map<string, StoredMessage>;
  sequence: number;
  /** Long polls waiting for this queue to change. */
  wakeups: Set<() => void>;
  /** Messages changed (or removed) since the last flush; `all` after a purge. */
  dirty: Set<string> | 'all';
  /** Entries in the journal since the last snapshot. */
  journalEntries: number;
}

/** One journal line: a message as it now is, or the id of a message that is gone. */
type JournalEntry = { put: StoredMessage; sequence: number } | { remove: string };

/** A journal longer than this many entries (and than twice the queue) is folded into a new snapshot. */
const MIN_ENTRIES_BEFORE_COMPACTION = 1_000;

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

/** The in-process queue engine: standard-queue semantics (at-least-once, visibility, delay, redrive, retention). */
export class SqsEngine {
  private readonly queues = new Map<string, Queue>();
  private readonly dirty = new Set<Queue>();
  private flushScheduled = false;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: SqsEngineOptions) {
    this.now = options.now ?? Date.now;
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    for (const definition of options.queues) {
      const queue: Queue = {
        definition: { ...DEFAULTS, ...stripUndefined(definition), name: definition.name },
        arn: this.arnOf(definition.name),
        createdTimestamp: this.now(),
        messages: new Map(),
        sequence: 0,
        wakeups: new Set(),
        dirty: new Set(),
        journalEntries: 0,
      };
      this.restore(queue);
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
    const { messageId, nonce } = this.parseReceiptHandle(queueName, receiptHandle);
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
    const { messageId, nonce } = this.parseReceiptHandle(queueName, receiptHandle);
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
    if (!this.options.dataDir) return;
    if (messageId === 'all') queue.dirty = 'all';
    else if (queue.dirty !== 'all') queue.dirty.add(messageId);
    this.dirty.add(queue);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Appends what changed to each queue's journal: one line per message, so a send costs a line, not a
   * rewrite of the whole queue (the e2e tap queue holds thousands of events). A journal grown past
   * twice the queue is folded into a fresh snapshot.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (!this.options.dataDir) return;
    for (const queue of this.dirty) {
      const dirty = queue.dirty;
      queue.dirty = new Set();
      const compact =
        dirty === 'all' ||
        queue.journalEntries + dirty.size > Math.max(MIN_ENTRIES_BEFORE_COMPACTION, 2 * queue.messages.size);
      if (compact) {
        this.writeSnapshot(queue);
        continue;
      }
      const lines: string[] = [];
      for (const messageId of dirty) {
        const message = queue.messages.get(messageId);
        const entry: JournalEntry = message
          ? { put: message, sequence: queue.sequence }
          : { remove: messageId };
        lines.push(JSON.stringify(entry));
      }
      appendFileSync(this.journalFile(queue.definition.name), `${lines.join('\n')}\n`);
      queue.journalEntries += lines.length;
    }
    this.dirty.clear();
  }

  private writeSnapshot(queue: Queue): void {
    const name = queue.definition.name;
    const file = this.snapshotFile(name);
    const snapshot = { queue: name, sequence: queue.sequence, messages: sortedMessages(queue) };
    // Write-then-rename so a crash never leaves a half-written snapshot; the journal it replaces goes after.
    writeFileSync(`${file}.tmp`, JSON.stringify(snapshot));
    renameSync(`${file}.tmp`, file);
    rmSync(this.journalFile(name), { force: true });
    queue.journalEntries = 0;
  }

  private restore(queue: Queue): void {
    if (!this.options.dataDir) return;
    const name = queue.definition.name;
    const snapshot = readIfExists(this.snapshotFile(name));
    if (snapshot !== undefined) {
      const parsed = JSON.parse(snapshot) as { sequence: number; messages: StoredMessage[] };
      queue.sequence = parsed.sequence;
      for (const message of parsed.messages) queue.messages.set(message.messageId, message);
    }
    const journal = readIfExists(this.journalFile(name));
    for (const line of journal?.split('\n') ?? []) {
      if (line === '') continue;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        // A line cut short by a crash mid-write: everything before it is intact.
        break;
      }
      if ('remove' in entry) queue.messages.delete(entry.remove);
      else {
        queue.messages.set(entry.put.messageId, entry.put);
        queue.sequence = Math.max(queue.sequence, entry.sequence);
      }
      queue.journalEntries += 1;
    }
    if (snapshot !== undefined || journal !== undefined)
      this.options.log(`restored ${name}: ${queue.messages.size} messages`);
  }

  private journalFile(name: string): string {
    return join(this.options.dataDir!, `${encodeURIComponent(name)}.journal`);
  }

  private snapshotFile(name: string): string {
    return join(this.options.dataDir!, `${encodeURIComponent(name)}.json`);
  }

  private parseReceiptHandle(queueName: string, receiptHandle: string): { messageId: string; nonce: string } {
    const invalid = () =>
      new SqsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(receiptHandle, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    if (!Array.isArray(parsed) || parsed.length !== 3 || parsed[0] !== queueName) throw invalid();
    return { messageId: String(parsed[1]), nonce: String(parsed[2]) };
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function receiptHandleOf(queueName: string, message: StoredMessage): string {
  return Buffer.from(JSON.stringify([queueName, message.messageId, message.receiptNonce])).toString(
    'base64url',
  );
}

function stateOf(message: StoredMessage, now: number): MessageState {
  if (message.visibleAt <= now) return 'visible';
  return message.receiveCount === 0 ? 'delayed' : 'inFlight';
}

function sortedMessages(queue: Queue): StoredMessage[] {
  return [...queue.messages.values()].sort((a, b) => a.sequence - b.sequence);
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SqsError(
      'InvalidParameterValue',
      `Value ${value} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}.`,
    );
  }
}

function validateBody(
  body: unknown,
  maximumMessageSize: number,
  attributes: Record<string, MessageAttributeValue> | undefined,
): void {
  if (typeof body !== 'string' || body.length === 0) {
    throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
  }
  if (INVALID_BODY_CHARACTER.test(body)) {
    throw new SqsError(
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  }
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (!value?.DataType) {
      throw new SqsError(
        'InvalidParameterValue',
        `The message attribute '${name}' must contain a non-empty data type.`,
      );
    }
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType);
    size += value.BinaryValue
      ? Buffer.from(value.BinaryValue, 'base64').length
      : Buffer.byteLength(value.StringValue ?? '');
  }
  if (size > maximumMessageSize) {
    throw new SqsError(
      'InvalidParameterValue',
      `One or more parameters are invalid. Reason: Message must be shorter than ${maximumMessageSize} bytes.`,
    );
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
