/**
 * The SQS operations the local endpoint serves, over the queue engine: each takes the request's JSON
 * members and returns the response's, or throws an SqsError.
 */
import type { SqsEngine } from './engine';
import { queueDoesNotExist, SqsError } from './errors';
import type { MessageMoveTasks } from './move-tasks';
import {
  batchEntries,
  KNOWN_QUEUE_ATTRIBUTES,
  messageOutput,
  optionalNumber,
  requiredNumber,
  requiredString,
  sendInput,
  sendOutput,
  stringList,
} from './protocol';

export type OperationHandler = (
  input: Record<string, unknown>,
  signal: AbortSignal,
) => Promise<unknown> | unknown;

export class SqsOperations {
  /** By operation name (the `X-Amz-Target` after `AmazonSQS.`). */
  readonly handlers: Record<string, OperationHandler>;

  constructor(
    private readonly engine: SqsEngine,
    private readonly moveTasks: MessageMoveTasks,
    private readonly accountId: string,
    /** The local URL of a queue, by name. */
    private readonly queueUrl: (name: string) => string,
  ) {
    this.handlers = {
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

  private queueName(input: Record<string, unknown>): string {
    return this.engine.resolveName(requiredString(input, 'QueueUrl'));
  }

  private getQueueUrl(input: Record<string, unknown>) {
    const name = requiredString(input, 'QueueName');
    const owner = input.QueueOwnerAWSAccountId;
    if (owner !== undefined && owner !== this.accountId) throw queueDoesNotExist();
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
    return sendOutput(this.engine.send(this.queueName(input), sendInput(input)));
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
      return sendOutput(this.engine.send(queueName, sendInput(entry)));
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
