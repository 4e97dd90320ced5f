import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SqsAuthorizer } from '../iam/endpoints';
import { assertLoopbackBind, loopbackOnly } from '../support/loopback';
import { SqsEngine } from './engine';
import { SqsError } from './errors';
import type { MessageAttributeValue } from './md5';
import type { QueueDefinition } from './model';
import { MessageMoveTasks } from './move-tasks';
import { type OperationHandler, SqsOperations } from './operations';

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

/**
 * The local SQS: the queue engine behind an HTTP endpoint speaking the SQS AWS JSON 1.0 protocol, so an
 * unmodified `new SQSClient({ endpoint })` works, plus read-only inspection under `/_local/queues`.
 */
export class LocalSqs {
  readonly engine: SqsEngine;
  private server: Server | undefined;
  private baseUrl: string | undefined;
  private readonly operations: Record<string, OperationHandler>;
  private readonly moveTasks: MessageMoveTasks;

  constructor(private readonly options: LocalSqsOptions) {
    this.engine = new SqsEngine(options);
    this.moveTasks = new MessageMoveTasks(this.engine, options.log);
    this.operations = new SqsOperations(this.engine, this.moveTasks, options.accountId, (name) =>
      this.queueUrl(name),
    ).handlers;
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
