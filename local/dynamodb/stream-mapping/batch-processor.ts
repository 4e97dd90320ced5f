/**
 * Takes one batch a stream mapping dispatched to completion, with Lambda's semantics: retries with
 * back-off, bisection on function errors, partial batch responses (ReportBatchItemFailures), maximum
 * record age, and the on-failure destination for what it gives up on.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import type { Invoke, InvokeOutcome } from '../../lambda';
import { type FailureCondition, failureRecord } from './failure-record';
import { createdAtMs, seq, shortShard } from './records';
import type { Settings } from './settings';

/** Granularity of DynamoDB Local's ApproximateCreationDateTime (real DynamoDB reports seconds). */
const CREATION_TIME_ROUNDING_MS = 60_000;

export interface BatchProcessorOptions {
  /** The mapping's id, in log lines. */
  id: string;
  settings: Settings;
  /** The function's ARN, reported in on-failure invocation records. */
  functionArn: string;
  streamArn: string;
  invoke: Invoke;
  sendToQueue: ((queueArn: string, body: string) => Promise<void>) | undefined;
  log: (line: string) => void;
  /** First retry delay; doubles per retry up to maxRetryDelayMs. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
  /** A pause that stopping the mapping cuts short. */
  sleep: (ms: number) => Promise<void>;
  isStopped: () => boolean;
  /** When the mapping read a record, if it knows. */
  readAt: (record: DynamoDBRecord) => number | undefined;
}

/** Marks records done (processed, or given up on) so the checkpoint may move past them. */
export type MarkDone = (records: DynamoDBRecord[]) => Promise<void>;

type Verdict =
  | { kind: 'success' }
  | { kind: 'partial'; firstFailed: number }
  | { kind: 'failure'; reason: string };

export class BatchProcessor {
  constructor(private readonly options: BatchProcessorOptions) {}

  /**
   * Processes one batch to completion (success, or failure sent to the destination); false when the mapping
   * stopped first, in which case nothing past the last checkpoint is considered processed.
   */
  async process(shardId: string, records: DynamoDBRecord[], markDone: MarkDone): Promise<boolean> {
    const { id, settings, log } = this.options;
    // Bisection splits a failing batch into halves processed in order; splitting costs no retry.
    const queue: DynamoDBRecord[][] = [records];
    while (queue.length > 0) {
      let batch = queue.shift()!;
      let retries = 0;
      let invokeCount = 0;
      while (batch.length > 0) {
        if (this.options.isStopped()) return false;
        const expired = this.expiredPrefix(batch);
        if (expired.length > 0) {
          await this.fail(shardId, expired, 'RecordAgeExceeded', invokeCount, undefined, markDone);
          batch = batch.slice(expired.length);
          continue;
        }
        const started = Date.now();
        const result = await this.options.invoke({ Records: batch });
        invokeCount++;
        const verdict = judge(batch, result, settings.reportBatchItemFailures);
        const range = `${seq(batch[0])}..${seq(batch[batch.length - 1])}`;
        const took = `${Date.now() - started}ms`;
        if (verdict.kind === 'success') {
          await markDone(batch);
          log(
            `[esm ${id}] shard=${shortShard(shardId)} batch=${batch.length} seq=${range} ok retries=${retries} ${took}`,
          );
          break;
        }
        if (verdict.kind === 'partial') {
          // Everything before the lowest reported failure is done; retry from that record on.
          if (verdict.firstFailed > 0) await markDone(batch.slice(0, verdict.firstFailed));
          log(
            `[esm ${id}] shard=${shortShard(shardId)} batch=${batch.length} seq=${range} partial ` +
              `(retry from ${seq(batch[verdict.firstFailed])}) retries=${retries} ${took}`,
          );
          batch = batch.slice(verdict.firstFailed);
        } else {
          log(
            `[esm ${id}] shard=${shortShard(shardId)} batch=${batch.length} seq=${range} error ` +
              `(${verdict.reason}) retries=${retries} ${took}`,
          );
          if (settings.bisect && batch.length > 1) {
            const half = Math.ceil(batch.length / 2);
            queue.unshift(batch.slice(0, half), batch.slice(half));
            break;
          }
        }
        if (settings.maxRetries !== -1 && retries >= settings.maxRetries) {
          await this.fail(shardId, batch, 'RetryAttemptsExhausted', invokeCount, result, markDone);
          break;
        }
        retries++;
        await this.options.sleep(
          Math.min(this.options.maxRetryDelayMs, this.options.retryDelayMs * 2 ** (retries - 1)),
        );
      }
    }
    return true;
  }

  private expiredPrefix(batch: DynamoDBRecord[]): DynamoDBRecord[] {
    const { maxRecordAgeMs } = this.options.settings;
    if (!Number.isFinite(maxRecordAgeMs)) return [];
    const now = Date.now();
    let count = 0;
    while (count < batch.length && now - this.latestCreation(batch[count]!) > maxRecordAgeMs) count++;
    return batch.slice(0, count);
  }

  /**
   * DynamoDB Local rounds ApproximateCreationDateTime down to the minute, so a record's age is judged from
   * the latest moment it can have been written: within that minute, and no later than when it was read.
   * Records are never expired early; at worst up to a minute late.
   */
  private latestCreation(record: DynamoDBRecord): number {
    const readAt = this.options.readAt(record) ?? Date.now();
    return Math.min(createdAtMs(record) + CREATION_TIME_ROUNDING_MS, readAt);
  }

  private async fail(
    shardId: string,
    records: DynamoDBRecord[],
    condition: FailureCondition,
    invokeCount: number,
    lastResult: InvokeOutcome | undefined,
    markDone: MarkDone,
  ): Promise<void> {
    const { id, log } = this.options;
    const destination = this.options.settings.onFailure;
    const record = failureRecord({
      functionArn: this.options.functionArn,
      streamArn: this.options.streamArn,
      shardId,
      records,
      condition,
      invokeCount,
      lastResult,
    });
    if (!destination) {
      log(`[esm ${id}] discarded ${records.length} record(s) (${condition}); no on-failure destination`);
    } else if (destination.startsWith('arn:aws:sqs:') && this.options.sendToQueue) {
      await this.options.sendToQueue(destination, JSON.stringify(record));
      log(`[esm ${id}] sent ${records.length} record(s) to ${destination} (${condition})`);
    } else {
      log(
        `[esm ${id}] discarded ${records.length} record(s) (${condition}); destination ${destination} ` +
          'is not emulated locally',
      );
    }
    await markDone(records);
  }
}

/** Reads the function's answer: success, a partial batch response, or a failure of the whole batch. */
function judge(batch: DynamoDBRecord[], result: InvokeOutcome, reportBatchItemFailures: boolean): Verdict {
  if (!result.ok) return { kind: 'failure', reason: `${result.errorType}: ${result.errorMessage}` };
  if (!reportBatchItemFailures) return { kind: 'success' };
  const value = result.value;
  if (value === null || value === undefined || typeof value !== 'object') return { kind: 'success' };
  const failures = (value as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'failure', reason: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };
  let firstFailed = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index = typeof id === 'string' && id !== '' ? batch.findIndex((r) => seq(r) === id) : -1;
    // An empty, null or unknown identifier makes the whole batch a failure, as in Lambda.
    if (index === -1) return { kind: 'failure', reason: `invalid itemIdentifier ${JSON.stringify(id)}` };
    firstFailed = Math.min(firstFailed, index);
  }
  return { kind: 'partial', firstFailed };
}
