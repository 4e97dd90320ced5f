/**
 * A Lambda event source mapping for a DynamoDB stream, with Lambda's semantics: in order per shard,
 * batches of up to BatchSize (optionally gathered for MaximumBatchingWindowInSeconds), filter criteria,
 * retries, bisection on function errors, partial batch responses (ReportBatchItemFailures), maximum
 * record age, and an on-failure destination that receives Lambda's invocation record.
 *
 * Checkpoints (the last processed sequence number per shard) are written to a file under `stateDir` after
 * every batch that completes, so a restart resumes where it stopped and never skips an unprocessed record.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Invoke, InvokeOutcome } from '../lambda';
import { compileFilterCriteria, type FilterCriteria, type RecordFilter } from './filter';
import { StreamReader } from './stream-reader';

/** The Lambda invoke contract, from local/lambda (re-exported for this component's callers). */
export type { Invoke, InvokeOutcome as InvokeResult };

/** Last processed sequence number per shard id. */
export type Checkpoints = Record<string, string>;

export interface ShardRecords {
  shardId: string;
  /** In sequence order, already in Lambda's DynamoDB-stream record shape. */
  records: DynamoDBRecord[];
}

/**
 * Reads a DynamoDB stream. `read()` returns the records that arrived since the previous call, per shard,
 * in order (a parent shard's records before its children's); an empty array when idle.
 */
export interface StreamSource {
  read(): Promise<ShardRecords[]>;
  close?(): void | Promise<void>;
}

export interface StreamSourceRequest {
  streamArn: string;
  /**
   * Checkpoints persisted by a previous run, or undefined on the first run. The source resumes every listed
   * shard after its sequence number and reads unlisted shards from their start (TRIM_HORIZON). The mapping
   * implements StartingPosition LATEST itself, by skipping what the first read returns.
   */
  checkpoints: Checkpoints | undefined;
}

/** The default source: helper StreamReader over the DynamoDB Streams API (DynamoDB Local). */
export function dynamoDbStreamSource(client: DynamoDBStreamsClient) {
  return (request: StreamSourceRequest): StreamSource => {
    const reader = new StreamReader(client, request.streamArn);
    if (request.checkpoints) {
      const shards = Object.fromEntries(
        Object.entries(request.checkpoints).map(([shardId, sequenceNumber]) => [shardId, { sequenceNumber }]),
      );
      reader.restore({ streamArn: request.streamArn, shards });
    }
    return { read: () => reader.readBatches() };
  };
}

/** Resolved `AWS::Lambda::EventSourceMapping` properties for a DynamoDB stream source. */
export interface StreamMappingProperties {
  EventSourceArn: string;
  FunctionName?: string;
  StartingPosition: 'TRIM_HORIZON' | 'LATEST' | string;
  BatchSize?: number;
  MaximumBatchingWindowInSeconds?: number;
  BisectBatchOnFunctionError?: boolean;
  MaximumRetryAttempts?: number;
  MaximumRecordAgeInSeconds?: number;
  FunctionResponseTypes?: string[];
  FilterCriteria?: FilterCriteria;
  DestinationConfig?: { OnFailure?: { Destination?: string } };
  ParallelizationFactor?: number;
  Enabled?: boolean;
  [other: string]: unknown;
}

/** Event source mapping properties the local mapping honours; anything else deserves a warning. */
export const SUPPORTED_MAPPING_PROPERTIES: readonly string[] = [
  'EventSourceArn',
  'FunctionName',
  'StartingPosition',
  'BatchSize',
  'MaximumBatchingWindowInSeconds',
  'BisectBatchOnFunctionError',
  'MaximumRetryAttempts',
  'MaximumRecordAgeInSeconds',
  'FunctionResponseTypes',
  'FilterCriteria',
  'DestinationConfig',
  'ParallelizationFactor',
  'Enabled',
];

export function unsupportedMappingProperties(props: Record<string, unknown>): string[] {
  const unsupported = Object.keys(props).filter((name) => !SUPPORTED_MAPPING_PROPERTIES.includes(name));
  if (typeof props.ParallelizationFactor === 'number' && props.ParallelizationFactor !== 1) {
    unsupported.push('ParallelizationFactor (only 1 is emulated)');
  }
  return unsupported;
}

export interface StreamMappingOptions {
  /** Names the checkpoint file; use the mapping's logical id. */
  id: string;
  properties: StreamMappingProperties;
  /** The function's ARN, reported in on-failure invocation records. */
  functionArn: string;
  invoke: Invoke;
  /** Where records come from; usually `dynamoDbStreamSource(streamsClient)`. */
  createSource: (request: StreamSourceRequest) => StreamSource | Promise<StreamSource>;
  /** Delivers an on-failure invocation record to an SQS queue. */
  sendToQueue?: (queueArn: string, body: string) => Promise<void>;
  stateDir: string;
  log?: (line: string) => void;
  /** Idle poll interval; Lambda polls DynamoDB streams four times a second. */
  pollIntervalMs?: number;
  /** First retry delay; doubles per retry up to maxRetryDelayMs. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

export interface StreamMapping {
  readonly id: string;
  /** A copy of the current checkpoints. */
  checkpoints(): Checkpoints;
  /** Stops polling; a batch in flight finishes (or is abandoned between retries) without checkpointing past it. */
  stop(): Promise<void>;
}

export class InvalidStreamMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStreamMappingError';
  }
}

interface Settings {
  batchSize: number;
  windowMs: number;
  bisect: boolean;
  maxRetries: number;
  maxRecordAgeMs: number;
  reportBatchItemFailures: boolean;
  onFailure: string | undefined;
}

function settingsFrom(props: StreamMappingProperties): Settings {
  if (props.StartingPosition !== 'TRIM_HORIZON' && props.StartingPosition !== 'LATEST') {
    throw new InvalidStreamMappingError(
      `StartingPosition must be TRIM_HORIZON or LATEST for a DynamoDB stream, got ${props.StartingPosition}`,
    );
  }
  const batchSize = props.BatchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new InvalidStreamMappingError(`BatchSize must be 1..10000, got ${batchSize}`);
  }
  const maxRecordAge = props.MaximumRecordAgeInSeconds ?? -1;
  return {
    batchSize,
    windowMs: (props.MaximumBatchingWindowInSeconds ?? 0) * 1000,
    bisect: props.BisectBatchOnFunctionError === true,
    maxRetries: props.MaximumRetryAttempts ?? -1,
    maxRecordAgeMs: maxRecordAge === -1 ? Number.POSITIVE_INFINITY : maxRecordAge * 1000,
    reportBatchItemFailures: props.FunctionResponseTypes?.includes('ReportBatchItemFailures') === true,
    onFailure: props.DestinationConfig?.OnFailure?.Destination,
  };
}

interface ShardState {
  shardId: string;
  pending: DynamoDBRecord[];
  /** When the oldest pending record was read, for the batching window. */
  pendingSince: number | undefined;
  /** Highest sequence number read, including records the filters dropped. */
  lastRead: string | undefined;
}

/** Granularity of DynamoDB Local's ApproximateCreationDateTime (real DynamoDB reports seconds). */
const CREATION_TIME_ROUNDING_MS = 60_000;

type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export async function startStreamMapping(options: StreamMappingOptions): Promise<StreamMapping> {
  const settings = settingsFrom(options.properties);
  const filter = compileFilterCriteria(options.properties.FilterCriteria);
  if (options.properties.Enabled === false) {
    (options.log ?? console.log)(`[esm ${options.id}] disabled (Enabled: false); not polling`);
    return { id: options.id, checkpoints: () => ({}), stop: async () => {} };
  }
  const store = new CheckpointStore(options.stateDir, options.id, options.properties.EventSourceArn);
  const restored = await store.load();
  const source = await options.createSource({
    streamArn: options.properties.EventSourceArn,
    checkpoints: restored,
  });
  const mapping = new RunningMapping(options, settings, filter, store, restored ?? {}, source);
  if (!restored && options.properties.StartingPosition === 'LATEST') await mapping.skipToLatest();
  mapping.start();
  return mapping;
}

class RunningMapping implements StreamMapping {
  readonly id: string;
  private readonly shards = new Map<string, ShardState>();
  private readonly readAt = new WeakMap<DynamoDBRecord, number>();
  private readonly log: (line: string) => void;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly options: StreamMappingOptions,
    private readonly settings: Settings,
    private readonly filter: RecordFilter,
    private readonly store: CheckpointStore,
    private readonly state: Checkpoints,
    private readonly source: StreamSource,
  ) {
    this.id = options.id;
    this.log = options.log ?? ((line) => console.log(line));
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 10_000;
  }

  /** StartingPosition LATEST: what the stream holds now counts as processed. */
  async skipToLatest(): Promise<void> {
    let skipped = 0;
    for (const { shardId, records } of await this.source.read()) {
      const last = records[records.length - 1];
      if (!last) continue;
      skipped += records.length;
      this.state[shardId] = seq(last);
    }
    await this.store.save(this.state);
    if (skipped > 0)
      this.log(`[esm ${this.id}] StartingPosition LATEST: skipped ${skipped} existing record(s)`);
  }

  start(): void {
    this.loop = this.run().catch((error: unknown) => {
      this.log(`[esm ${this.id}] stopped on an unexpected error: ${(error as Error).stack ?? String(error)}`);
    });
  }

  checkpoints(): Checkpoints {
    return { ...this.state };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.source.close?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let busy = false;
      if (this.pendingCount() < this.settings.batchSize * 4) {
        try {
          busy = this.accept(await this.source.read()) || busy;
        } catch (error) {
          this.log(`[esm ${this.id}] reading the stream failed: ${(error as Error).message}`);
        }
      }
      const shard = this.nextReadyShard();
      if (shard) {
        busy = true;
        const batch = shard.pending.slice(0, this.settings.batchSize);
        const completed = await this.processBatch(shard.shardId, batch);
        if (!completed) break;
        shard.pending = shard.pending.slice(batch.length);
        shard.pendingSince = shard.pending.length > 0 ? Date.now() : undefined;
      }
      await this.checkpointFilteredTails();
      if (!busy) await this.sleep(this.pollIntervalMs);
    }
  }

  /** Filters incoming records into per-shard queues; true when anything arrived. */
  private accept(batches: ShardRecords[]): boolean {
    let arrived = false;
    for (const { shardId, records } of batches) {
      if (records.length === 0) continue;
      arrived = true;
      let shard = this.shards.get(shardId);
      if (!shard) {
        shard = { shardId, pending: [], pendingSince: undefined, lastRead: undefined };
        this.shards.set(shardId, shard);
      }
      const now = Date.now();
      for (const record of records) {
        this.readAt.set(record, now);
        shard.lastRead = record.dynamodb?.SequenceNumber ?? shard.lastRead;
        if (!this.filter(record)) continue;
        if (shard.pending.length === 0) shard.pendingSince = Date.now();
        shard.pending.push(record);
      }
    }
    return arrived;
  }

  private pendingCount(): number {
    let count = 0;
    for (const shard of this.shards.values()) count += shard.pending.length;
    return count;
  }

  /**
   * The first shard (in order of appearance, so parents before children) with records; it is ready once it
   * holds a full batch or its batching window has elapsed. Later shards wait, keeping shard order.
   */
  private nextReadyShard(): ShardState | undefined {
    for (const shard of this.shards.values()) {
      if (shard.pending.length === 0) continue;
      const full = shard.pending.length >= this.settings.batchSize;
      const waited = Date.now() - (shard.pendingSince ?? 0) >= this.settings.windowMs;
      return full || waited ? shard : undefined;
    }
    return undefined;
  }

  /** Records dropped by the filters count as processed: checkpoint past them once nothing precedes them. */
  private async checkpointFilteredTails(): Promise<void> {
    let moved = false;
    for (const shard of this.shards.values()) {
      if (shard.pending.length === 0 && shard.lastRead && shard.lastRead !== this.state[shard.shardId]) {
        this.state[shard.shardId] = shard.lastRead;
        moved = true;
      }
    }
    if (moved) await this.store.save(this.state);
  }

  /**
   * Processes one batch to completion (success, or failure sent to the destination); false when the mapping
   * stopped first, in which case nothing past the last checkpoint is considered processed.
   */
  private async processBatch(shardId: string, records: DynamoDBRecord[]): Promise<boolean> {
    // Bisection splits a failing batch into halves processed in order; splitting costs no retry.
    const queue: DynamoDBRecord[][] = [records];
    while (queue.length > 0) {
      let batch = queue.shift()!;
      let retries = 0;
      let invokeCount = 0;
      while (batch.length > 0) {
        if (this.stopped) return false;
        const expired = this.expiredPrefix(batch);
        if (expired.length > 0) {
          await this.fail(shardId, expired, 'RecordAgeExceeded', invokeCount, undefined);
          batch = batch.slice(expired.length);
          continue;
        }
        const started = Date.now();
        const result = await this.options.invoke({ Records: batch });
        invokeCount++;
        const verdict = this.judge(batch, result);
        const range = `${seq(batch[0])}..${seq(batch[batch.length - 1])}`;
        const took = `${Date.now() - started}ms`;
        if (verdict.kind === 'success') {
          await this.checkpoint(shardId, batch[batch.length - 1]!);
          this.log(
            `[esm ${this.id}] shard=${shortShard(shardId)} batch=${batch.length} seq=${range} ok retries=${retries} ${took}`,
          );
          break;
        }
        if (verdict.kind === 'partial') {
          // Everything before the lowest reported failure is done; retry from that record on.
          if (verdict.firstFailed > 0) await this.checkpoint(shardId, batch[verdict.firstFailed - 1]!);
          this.log(
            `[esm ${this.id}] shard=${shortShard(shardId)} batch=${batch.length} seq=${range} partial ` +
              `(retry from ${seq(batch[verdict.firstFailed])}) retries=${retries} ${took}`,
          );
          batch = batch.slice(verdict.firstFailed);
        } else {
          this.log(
            `[esm ${this.id}] shard=${shortShard(shardId)} batch=${batch.length} seq=${range} error ` +
              `(${verdict.reason}) retries=${retries} ${took}`,
          );
          if (this.settings.bisect && batch.length > 1) {
            const half = Math.ceil(batch.length / 2);
            queue.unshift(batch.slice(0, half), batch.slice(half));
            break;
          }
        }
        if (this.settings.maxRetries !== -1 && retries >= this.settings.maxRetries) {
          await this.fail(shardId, batch, 'RetryAttemptsExhausted', invokeCount, result);
          break;
        }
        retries++;
        await this.sleep(Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** (retries - 1)));
      }
    }
    return true;
  }

  private judge(
    batch: DynamoDBRecord[],
    result: InvokeOutcome,
  ): { kind: 'success' } | { kind: 'partial'; firstFailed: number } | { kind: 'failure'; reason: string } {
    if (!result.ok) return { kind: 'failure', reason: `${result.errorType}: ${result.errorMessage}` };
    if (!this.settings.reportBatchItemFailures) return { kind: 'success' };
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

  private expiredPrefix(batch: DynamoDBRecord[]): DynamoDBRecord[] {
    if (!Number.isFinite(this.settings.maxRecordAgeMs)) return [];
    const now = Date.now();
    let count = 0;
    while (count < batch.length && now - this.latestCreation(batch[count]!) > this.settings.maxRecordAgeMs)
      count++;
    return batch.slice(0, count);
  }

  /**
   * DynamoDB Local rounds ApproximateCreationDateTime down to the minute, so a record's age is judged from
   * the latest moment it can have been written: within that minute, and no later than when it was read.
   * Records are never expired early; at worst up to a minute late.
   */
  private latestCreation(record: DynamoDBRecord): number {
    const readAt = this.readAt.get(record) ?? Date.now();
    return Math.min(createdAtMs(record) + CREATION_TIME_ROUNDING_MS, readAt);
  }

  private async fail(
    shardId: string,
    records: DynamoDBRecord[],
    condition: FailureCondition,
    invokeCount: number,
    lastResult: InvokeOutcome | undefined,
  ): Promise<void> {
    const destination = this.settings.onFailure;
    const record = failureRecord({
      functionArn: this.options.functionArn,
      streamArn: this.options.properties.EventSourceArn,
      shardId,
      records,
      condition,
      invokeCount,
      lastResult,
    });
    if (!destination) {
      this.log(
        `[esm ${this.id}] discarded ${records.length} record(s) (${condition}); no on-failure destination`,
      );
    } else if (destination.startsWith('arn:aws:sqs:') && this.options.sendToQueue) {
      await this.options.sendToQueue(destination, JSON.stringify(record));
      this.log(`[esm ${this.id}] sent ${records.length} record(s) to ${destination} (${condition})`);
    } else {
      this.log(
        `[esm ${this.id}] discarded ${records.length} record(s) (${condition}); destination ${destination} ` +
          'is not emulated locally',
      );
    }
    await this.checkpoint(shardId, records[records.length - 1]!);
  }

  private async checkpoint(shardId: string, record: DynamoDBRecord): Promise<void> {
    this.state[shardId] = seq(record);
    await this.store.save(this.state);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

export interface FailureRecordInput {
  functionArn: string;
  streamArn: string;
  shardId: string;
  records: DynamoDBRecord[];
  condition: FailureCondition;
  invokeCount: number;
  lastResult: InvokeOutcome | undefined;
}

/** Lambda's invocation record for a stream batch it gives up on (what the on-failure destination gets). */
export function failureRecord(input: FailureRecordInput) {
  const first = input.records[0]!;
  const last = input.records[input.records.length - 1]!;
  const result = input.lastResult;
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.invokeCount,
    },
    ...(result && {
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(!result.ok && { functionError: 'Unhandled' }),
      },
    }),
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: input.shardId,
      startSequenceNumber: seq(first),
      endSequenceNumber: seq(last),
      approximateArrivalOfFirstRecord: isoSeconds(createdAtMs(first)),
      approximateArrivalOfLastRecord: isoSeconds(createdAtMs(last)),
      batchSize: input.records.length,
      streamArn: input.streamArn,
    },
  };
}

export type FailureRecord = ReturnType<typeof failureRecord>;

/** Persists checkpoints as JSON, atomically (write then rename), one file per mapping. */
class CheckpointStore {
  private readonly file: string;

  constructor(
    private readonly dir: string,
    id: string,
    private readonly streamArn: string,
  ) {
    this.file = join(dir, `esm-${id.replace(/[^A-Za-z0-9_.-]/g, '_')}.checkpoints.json`);
  }

  async load(): Promise<Checkpoints | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const saved = JSON.parse(text) as { streamArn?: string; checkpoints?: Checkpoints };
    // A different stream (the table was recreated) makes the old positions meaningless.
    if (saved.streamArn !== this.streamArn) return undefined;
    return saved.checkpoints ?? {};
  }

  async save(checkpoints: Checkpoints): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify({ streamArn: this.streamArn, checkpoints }, null, 2));
    await rename(temporary, this.file);
  }
}

function seq(record: DynamoDBRecord | undefined): string {
  return record?.dynamodb?.SequenceNumber ?? '';
}

function createdAtMs(record: DynamoDBRecord): number {
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  return typeof seconds === 'number' ? seconds * 1000 : Date.now();
}

/** `2019-11-14T00:13:19Z`: Lambda reports arrival times to the second. */
function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function shortShard(shardId: string): string {
  return shardId.length > 16 ? `…${shardId.slice(-12)}` : shardId;
}
