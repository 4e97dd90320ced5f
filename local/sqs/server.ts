import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SqsAuthorizer } from '../iam/endpoints';
import { assertLoopbackBind, loopbackOnly } from '../support/loopback';
import { SqsEngine } from './engine';
import { queueDoesNotExist, SqsError } from './errors';
import type { MessageAttributeValue } from './md5';
import type { QueueDefinition, ReceivedMessage, StoredMessage } from './model';
import { MessageMoveTasks } from './move-tasks';

export interface LocalSqsOptions {
  queues: readonly QueueDefinition[];
  region: string;
  accountId: string;
  dataDir?: string;
  log: (line: string) => void;
  /** IAM for calls signed by local functions (local/iam): a refusal's message, or undefined to go on. */
  authorize?: SqsAuthorizer;
}

/** A handle on one queue for in-process consumers (the Lambda event source mapping). */
export interface LocalQueue {
  name: string;
  arn: string;
  region: string;
  engine: SqsEngine;
}

/** `http://127.0.0.1:9324/000000000000/jobs`: the local URL of a queue. */
export function sqsQueueUrl(endpoint: string, accountId: string, queueName: string): string {
  return `${endpoint.replace(/\/+$/, '')}/${accountId}/${queueName}`;
}

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
const LOCAL_SENDER_ID = 'AIDALOCALSQSSENDER000';

type Handler = (input: Record<string, unknown>, signal: AbortSignal) => Promise<unknown> | unknown;

/**
 * The local SQS: the queue engine behind an HTTP endpoint speaking the SQS AWS JSON 1.0 protocol, so an
 * unmodified `new SQSClient({ endpoint })` works, plus read-only inspection under `/_local/queues`.
 */
export class LocalSqs {
  readonly engine: SqsEngine;
  private server: Server | undefined;
  private baseUrl: string | undefined;
  private readonly operations: Record<string, Handler>;
  private readonly moveTasks: MessageMoveTasks;

  constructor(private readonly options: LocalSqsOptions) {
    this.engine = new SqsEngine(options);
    this.moveTasks = new MessageMoveTasks(this.engine, options.log);
    this.operations = {
      StartMessageMoveTask: (input) => this.moveTasks.start(input),
      ListMessageMoveTasks: (input) => this.moveTasks.list(input),
      CancelMessageMoveTask: (input) => this.moveTasks.cancel(input),
      GetQueueUrl: (input) => this.getQueueUrl(input),
      ListQueues: (input) => this.listQueues(input),
      ListDeadLetterSourceQueues: (input) => this.listDeadLetterSourceQueues(input),
      SendMessage: (input) => this.sendMessage(input),
      SendMessageBatch: (input) => this.sendMessageBatch(input),
      ReceiveMessage: (input, signal) => this.receiveMessage(input, signal),
      DeleteMessage: (input) => {
        this.engine.deleteMessage(this.queueName(input), requiredString(input, 'ReceiptHandle'));
        return {};
      },
      DeleteMessageBatch: (input) =>
        this.batch(input, (name, entry) =>
          this.engine.deleteMessage(name, requiredString(entry, 'ReceiptHandle')),
        ),
      ChangeMessageVisibility: (input) => {
        this.engine.changeMessageVisibility(
          this.queueName(input),
          requiredString(input, 'ReceiptHandle'),
          requiredNumber(input, 'VisibilityTimeout'),
        );
        return {};
      },
      ChangeMessageVisibilityBatch: (input) =>
        this.batch(input, (name, entry) =>
          this.engine.changeMessageVisibility(
            name,
            requiredString(entry, 'ReceiptHandle'),
            requiredNumber(entry, 'VisibilityTimeout'),
          ),
        ),
      GetQueueAttributes: (input) => this.getQueueAttributes(input),
      PurgeQueue: (input) => {
        this.engine.purge(this.queueName(input));
        return {};
      },
    };
  }

  /** The endpoint URL once listening. */
  get endpoint(): string {
    if (!this.baseUrl) throw new Error('LocalSqs is not listening yet');
    return this.baseUrl;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    assertLoopbackBind(host);
    const server = createServer(
      loopbackOnly((req, res) => {
        this.handle(req, res).catch((error: unknown) => {
          this.options.log(`internal error: ${(error as Error).stack ?? String(error)}`);
          if (!res.headersSent)
            sendJson(res, 500, { __type: 'com.amazonaws.sqs#InternalError', message: 'internal error' });
        });
      }),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
    this.baseUrl = `http://${shownHost}:${address.port}`;
    this.options.log(`listening on ${this.baseUrl} (${this.engine.queueNames().length} queues)`);
    return this.baseUrl;
  }

  async close(): Promise<void> {
    this.moveTasks.close();
    this.engine.close();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Sends from inside the local cloud (e.g. an EventBridge target or DLQ); resolves to the message id. */
  async send(
    queueArn: string,
    body: string,
    attributes?: Record<string, MessageAttributeValue>,
  ): Promise<string> {
    return this.engine.send(this.engine.resolveName(queueArn), { body, messageAttributes: attributes })
      .messageId;
  }

  /** A handle for in-process consumers, by queue name, ARN or URL. */
  queue(nameArnOrUrl: string): LocalQueue {
    const name = this.engine.resolveName(nameArnOrUrl);
    return { name, arn: this.engine.arnOf(name), region: this.options.region, engine: this.engine };
  }

  queueUrl(nameArnOrUrl: string): string {
    return sqsQueueUrl(this.endpoint, this.options.accountId, this.engine.resolveName(nameArnOrUrl));
  }

  // --- HTTP --------------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname.startsWith('/_local/queues'))
      return this.inspect(url.pathname, res);

    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const requestId = randomUUID();
    const operation = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
    const handler = this.operations[operation];
    // The client going away (e.g. an aborted long poll) must not consume messages.
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    try {
      if (req.method !== 'POST' || !handler) {
        throw new SqsError(
          'UnsupportedOperation',
          operation
            ? `The local SQS does not support ${operation}.`
            : 'Expected an X-Amz-Target of AmazonSQS.<Operation>.',
          'AWS.SimpleQueueService.UnsupportedOperation',
        );
      }
      let input: Record<string, unknown>;
      try {
        input = body.length === 0 ? {} : (JSON.parse(body) as Record<string, unknown>);
      } catch {
        throw new SqsError('InvalidParameterValue', 'The request body is not valid JSON.');
      }
      const denied = this.options.authorize?.(
        { headers: req.headers, url: req.url ?? '/' },
        operation,
        input,
      );
      // SQS refuses with 403 and the legacy code AccessDenied (the SDK names the error after it).
      if (denied) throw new SqsError('AccessDeniedException', denied, 'AccessDenied', 403);
      const output = await handler(input, abort.signal);
      sendJson(res, 200, output, { 'x-amzn-RequestId': requestId });
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      // local/iam already logged a refusal, once.
      if (error.code !== 'AccessDeniedException')
        this.options.log(`${operation || target || req.method} failed: ${error.code}: ${error.message}`);
      sendJson(
        res,
        error.status,
        { __type: `com.amazonaws.sqs#${error.code}`, message: error.message },
        {
          'x-amzn-RequestId': requestId,
          // The SDK (awsQueryCompatible) maps this legacy code back to the modelled error class.
          'x-amzn-query-error': `${error.queryCode};${error.senderFault ? 'Sender' : 'Receiver'}`,
        },
      );
    }
  }

  private inspect(pathname: string, res: ServerResponse): void {
    const name = decodeURIComponent(pathname.slice('/_local/queues'.length).replace(/^\/+|\/+$/g, ''));
    if (!name) {
      const names = this.engine.queueNames();
      const queues = names.map((queueName) => {
        const arn = this.engine.arnOf(queueName);
        const sent = this.engine.messages(queueName).map((m) => m.sentTimestamp);
        const redrive = this.engine.definition(queueName).redrivePolicy;
        // The queues whose redrive policy names this one: a dead-letter queue has at least one.
        const deadLetterSourceQueues = names.filter(
          (n) => this.engine.definition(n).redrivePolicy?.deadLetterTargetArn === arn,
        );
        return {
          name: queueName,
          arn,
          url: this.queueUrl(queueName),
          ...this.engine.counts(queueName),
          ...(sent.length > 0 && { oldestSentTimestamp: Math.min(...sent) }),
          ...(redrive && { redrivePolicy: redrive }),
          ...(deadLetterSourceQueues.length > 0 && { deadLetterSourceQueues }),
        };
      });
      sendJson(res, 200, { queues }, {}, 'application/json');
      return;
    }
    let messages: ReturnType<SqsEngine['messages']>;
    try {
      messages = this.engine.messages(this.engine.resolveName(name));
    } catch {
      sendJson(res, 404, { message: `no queue ${name}` }, {}, 'application/json');
      return;
    }
    sendJson(
      res,
      200,
      {
        name,
        arn: this.engine.arnOf(name),
        messages: messages.map((m) => ({
          messageId: m.messageId,
          state: m.state,
          body: m.body,
          messageAttributes: m.messageAttributes,
          receiveCount: m.receiveCount,
          sentTimestamp: m.sentTimestamp,
          visibleAt: m.visibleAt,
          ...(m.deadLetterQueueSourceArn ? { deadLetterQueueSourceArn: m.deadLetterQueueSourceArn } : {}),
        })),
      },
      {},
      'application/json',
    );
  }

  // --- operations --------------------------------------------------------------------------------------------

  private queueName(input: Record<string, unknown>): string {
    return this.engine.resolveName(requiredString(input, 'QueueUrl'));
  }

  private getQueueUrl(input: Record<string, unknown>) {
    const name = requiredString(input, 'QueueName');
    const owner = input.QueueOwnerAWSAccountId;
    if (owner !== undefined && owner !== this.options.accountId) throw queueDoesNotExist();
    return { QueueUrl: this.queueUrl(this.engine.resolveName(name)) };
  }

  private listQueues(input: Record<string, unknown>) {
    const prefix = typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : '';
    const max = typeof input.MaxResults === 'number' ? input.MaxResults : 1000;
    const start =
      typeof input.NextToken === 'string' ? Number(Buffer.from(input.NextToken, 'base64url').toString()) : 0;
    const names = this.engine.queueNames().filter((name) => name.startsWith(prefix));
    const page = names.slice(start, start + max);
    const output: Record<string, unknown> = {};
    if (page.length > 0) output.QueueUrls = page.map((name) => this.queueUrl(name));
    if (input.MaxResults !== undefined && start + max < names.length) {
      output.NextToken = Buffer.from(String(start + max)).toString('base64url');
    }
    return output;
  }

  /** The queues whose redrive policy names this one (SQS's own member name is lower-case `queueUrls`). */
  private listDeadLetterSourceQueues(input: Record<string, unknown>) {
    const arn = this.engine.arnOf(this.queueName(input));
    const names = this.engine
      .queueNames()
      .filter((name) => this.engine.definition(name).redrivePolicy?.deadLetterTargetArn === arn);
    const max = typeof input.MaxResults === 'number' ? input.MaxResults : 1000;
    const start =
      typeof input.NextToken === 'string' ? Number(Buffer.from(input.NextToken, 'base64url').toString()) : 0;
    return {
      queueUrls: names.slice(start, start + max).map((name) => this.queueUrl(name)),
      ...(start + max < names.length && {
        NextToken: Buffer.from(String(start + max)).toString('base64url'),
      }),
    };
  }

  private sendMessage(input: Record<string, unknown>) {
    const result = this.engine.send(this.queueName(input), sendInput(input));
    return {
      MessageId: result.messageId,
      MD5OfMessageBody: result.md5OfBody,
      ...(result.md5OfMessageAttributes ? { MD5OfMessageAttributes: result.md5OfMessageAttributes } : {}),
      ...(result.md5OfMessageSystemAttributes
        ? { MD5OfMessageSystemAttributes: result.md5OfMessageSystemAttributes }
        : {}),
    };
  }

  private sendMessageBatch(input: Record<string, unknown>) {
    const name = this.queueName(input);
    const entries = batchEntries(input);
    const total = entries.reduce((sum, entry) => sum + Buffer.byteLength(String(entry.MessageBody ?? '')), 0);
    if (total > this.engine.definition(name).maximumMessageSize) {
      throw new SqsError(
        'BatchRequestTooLong',
        'Batch requests cannot be longer than 262144 bytes.',
        'AWS.SimpleQueueService.BatchRequestTooLong',
      );
    }
    return this.batch(input, (queueName, entry) => {
      const result = this.engine.send(queueName, sendInput(entry));
      return {
        MessageId: result.messageId,
        MD5OfMessageBody: result.md5OfBody,
        ...(result.md5OfMessageAttributes ? { MD5OfMessageAttributes: result.md5OfMessageAttributes } : {}),
        ...(result.md5OfMessageSystemAttributes
          ? { MD5OfMessageSystemAttributes: result.md5OfMessageSystemAttributes }
          : {}),
      };
    });
  }

  private async receiveMessage(input: Record<string, unknown>, signal: AbortSignal) {
    const name = this.queueName(input);
    const received = await this.engine.receive(name, {
      maxNumberOfMessages: optionalNumber(input, 'MaxNumberOfMessages'),
      visibilityTimeoutSeconds: optionalNumber(input, 'VisibilityTimeout'),
      waitTimeSeconds: optionalNumber(input, 'WaitTimeSeconds'),
      signal,
    });
    const systemNames = [
      ...stringList(input.AttributeNames),
      ...stringList(input.MessageSystemAttributeNames),
    ];
    const attributeNames = stringList(input.MessageAttributeNames);
    if (received.length === 0) return {};
    return { Messages: received.map((r) => messageOutput(r, systemNames, attributeNames)) };
  }

  private getQueueAttributes(input: Record<string, unknown>) {
    const name = this.queueName(input);
    const requested = stringList(input.AttributeNames);
    const definition = this.engine.definition(name);
    const counts = this.engine.counts(name);
    const all: Record<string, string> = {
      QueueArn: definition.arn,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: String(Math.floor(definition.createdTimestamp / 1000)),
      LastModifiedTimestamp: String(Math.floor(definition.createdTimestamp / 1000)),
      VisibilityTimeout: String(definition.visibilityTimeoutSeconds),
      DelaySeconds: String(definition.delaySeconds),
      MessageRetentionPeriod: String(definition.messageRetentionSeconds),
      MaximumMessageSize: String(definition.maximumMessageSize),
      ReceiveMessageWaitTimeSeconds: String(definition.receiveWaitTimeSeconds),
      SqsManagedSseEnabled: 'false',
    };
    if (definition.redrivePolicy) all.RedrivePolicy = JSON.stringify(definition.redrivePolicy);
    const attributes: Record<string, string> = {};
    for (const key of requested.includes('All') ? Object.keys(all) : requested) {
      if (!(key in all) && !KNOWN_QUEUE_ATTRIBUTES.has(key)) {
        throw new SqsError('InvalidAttributeName', `Unknown Attribute ${key}.`);
      }
      if (all[key] !== undefined) attributes[key] = all[key];
    }
    return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
  }

  /** Runs a batch operation entry by entry: per-entry errors go to `Failed`, as in SQS. */
  private batch(
    input: Record<string, unknown>,
    run: (queueName: string, entry: Record<string, unknown>) => unknown,
  ) {
    const name = this.queueName(input);
    const entries = batchEntries(input);
    const Successful: Array<Record<string, unknown>> = [];
    const Failed: Array<Record<string, unknown>> = [];
    for (const entry of entries) {
      try {
        const output = run(name, entry);
        Successful.push({ Id: entry.Id, ...(typeof output === 'object' && output !== null ? output : {}) });
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        Failed.push({
          Id: entry.Id,
          SenderFault: error.senderFault,
          Code: error.code,
          Message: error.message,
        });
      }
    }
    return { Successful, Failed };
  }
}

const KNOWN_QUEUE_ATTRIBUTES = new Set([
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

function messageOutput(received: ReceivedMessage, systemNames: string[], attributeNames: string[]) {
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

function sendInput(input: Record<string, unknown>) {
  return {
    body: input.MessageBody as string,
    delaySeconds: optionalNumber(input, 'DelaySeconds'),
    messageAttributes: input.MessageAttributes as Record<string, MessageAttributeValue> | undefined,
    messageSystemAttributes: input.MessageSystemAttributes as
      | Record<string, MessageAttributeValue>
      | undefined,
  };
}

function batchEntries(input: Record<string, unknown>): Array<Record<string, unknown>> {
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

function requiredString(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') {
    throw new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);
  }
  return value;
}

function requiredNumber(input: Record<string, unknown>, name: string): number {
  const value = optionalNumber(input, name);
  if (value === undefined)
    throw new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);
  return value;
}

function optionalNumber(input: Record<string, unknown>, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number))
    throw new SqsError('InvalidParameterValue', `Value for parameter ${name} is invalid.`);
  return number;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = JSON_CONTENT_TYPE,
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}
