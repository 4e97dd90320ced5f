/**
 * SQS message move tasks (the "DLQ redrive" API): `StartMessageMoveTask`, `ListMessageMoveTasks` and
 * `CancelMessageMoveTask`, as SQS documents them. A task moves the messages that are in the dead-letter
 * queue when it starts, at up to `MaxNumberOfMessagesPerSecond`, either back to the queue each came
 * from (its `DeadLetterQueueSourceArn`) or to `DestinationArn`. One task at a time per source queue.
 */
import { randomUUID } from 'node:crypto';
import type { SqsEngine } from './engine';
import { SqsError } from './errors';

type Status = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

interface Task {
  handle: string;
  status: Status;
  sourceArn: string;
  destinationArn?: string;
  maxPerSecond?: number;
  moved: number;
  toMove: number;
  failureReason?: string;
  startedTimestamp: number;
}

/** Moves per second when the caller sets no limit (SQS moves "as fast as possible", up to 500). */
const DEFAULT_RATE = 500;

export class MessageMoveTasks {
  private readonly tasks: Task[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly engine: SqsEngine,
    private readonly log: (line: string) => void,
  ) {}

  start(input: Record<string, unknown>): { TaskHandle: string } {
    const sourceArn = arnParameter(input, 'SourceArn', true)!;
    const destinationArn = arnParameter(input, 'DestinationArn', false);
    const rate = input.MaxNumberOfMessagesPerSecond;
    if (rate !== undefined && (!Number.isInteger(rate) || (rate as number) < 1 || (rate as number) > 500))
      throw invalid('Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: must be 1 to 500.');
    const source = this.queueOf(sourceArn, 'SourceArn');
    const sources = this.sourcesOf(sourceArn);
    if (sources.length === 0)
      throw invalid(`Source queue ${sourceArn} must be configured as a dead-letter queue of another queue.`);
    const destination = destinationArn ? this.queueOf(destinationArn, 'DestinationArn') : undefined;
    if (this.tasks.some((t) => t.sourceArn === sourceArn && t.status === 'RUNNING'))
      throw invalid('There is already a task running. Only one active task is allowed for a source queue.');
    const pending = this.engine.messages(source).filter((m) => m.state === 'visible');
    const task: Task = {
      handle: Buffer.from(JSON.stringify({ id: randomUUID(), sourceArn })).toString('base64url'),
      status: 'RUNNING',
      sourceArn,
      ...(destinationArn && { destinationArn }),
      ...(typeof rate === 'number' && { maxPerSecond: rate }),
      moved: 0,
      toMove: pending.length,
      startedTimestamp: Date.now(),
    };
    this.tasks.unshift(task);
    this.log(`move task ${source} -> ${destination ?? 'source queues'}: ${pending.length} messages`);
    const ids = pending.map((m) => m.messageId);
    const perTick = Math.max(1, Math.ceil((task.maxPerSecond ?? DEFAULT_RATE) / 10));
    const step = () => {
      if (task.status === 'CANCELLING') {
        task.status = 'CANCELLED';
        return;
      }
      for (const id of ids.splice(0, perTick)) {
        const message = this.engine.messages(source).find((m) => m.messageId === id);
        if (!message) continue;
        const target =
          destination ??
          (message.deadLetterQueueSourceArn
            ? this.engine.resolveName(message.deadLetterQueueSourceArn)
            : sources.length === 1
              ? sources[0]!
              : undefined);
        if (target === undefined) {
          task.status = 'FAILED';
          task.failureReason = `Message ${id} has no source queue to return to; give a DestinationArn.`;
          return;
        }
        if (this.engine.moveMessage(source, id, target)) task.moved += 1;
      }
      if (ids.length === 0) {
        task.status = 'COMPLETED';
        this.log(`move task from ${source} completed: ${task.moved} moved`);
        return;
      }
      this.schedule(step, 100);
    };
    this.schedule(step, 0);
    return { TaskHandle: task.handle };
  }

  list(input: Record<string, unknown>): { Results: Array<Record<string, unknown>> } {
    const sourceArn = arnParameter(input, 'SourceArn', true)!;
    this.queueOf(sourceArn, 'SourceArn');
    const max = input.MaxResults ?? 1;
    if (!Number.isInteger(max) || (max as number) < 1 || (max as number) > 10)
      throw invalid('Value for parameter MaxResults is invalid. Reason: must be 1 to 10.');
    const results = this.tasks
      .filter((t) => t.sourceArn === sourceArn)
      .slice(0, max as number)
      .map((t) => ({
        ...(t.status === 'RUNNING' && { TaskHandle: t.handle }),
        Status: t.status,
        SourceArn: t.sourceArn,
        ...(t.destinationArn && { DestinationArn: t.destinationArn }),
        ...(t.maxPerSecond !== undefined && { MaxNumberOfMessagesPerSecond: t.maxPerSecond }),
        ApproximateNumberOfMessagesMoved: t.moved,
        ApproximateNumberOfMessagesToMove: t.toMove,
        ...(t.failureReason && { FailureReason: t.failureReason }),
        StartedTimestamp: t.startedTimestamp,
      }));
    return { Results: results };
  }

  cancel(input: Record<string, unknown>): { ApproximateNumberOfMessagesMoved: number } {
    const handle = input.TaskHandle;
    const task = this.tasks.find((t) => t.handle === handle);
    if (typeof handle !== 'string' || !task)
      throw new SqsError(
        'ResourceNotFoundException',
        'The task handle does not exist.',
        'ResourceNotFoundException',
      );
    if (task.status !== 'RUNNING') throw invalid('Only a running task can be cancelled.');
    task.status = 'CANCELLING';
    return { ApproximateNumberOfMessagesMoved: task.moved };
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(step: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      step();
    }, ms);
    this.timers.add(timer);
  }

  private queueOf(arn: string, parameter: string): string {
    try {
      return this.engine.resolveName(arn);
    } catch {
      throw new SqsError(
        'ResourceNotFoundException',
        `The resource that you specified for the ${parameter} parameter doesn't exist.`,
        'ResourceNotFoundException',
      );
    }
  }

  /** Queues whose redrive policy names `dlqArn`. */
  private sourcesOf(dlqArn: string): string[] {
    return this.engine
      .queueNames()
      .filter((name) => this.engine.definition(name).redrivePolicy?.deadLetterTargetArn === dlqArn);
  }
}

function arnParameter(input: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = input[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || !value.startsWith('arn:aws:sqs:'))
    throw invalid(`Value for parameter ${name} is invalid. Reason: must be an SQS queue ARN.`);
  return value;
}

function invalid(message: string): SqsError {
  return new SqsError('InvalidParameterValue', message);
}
