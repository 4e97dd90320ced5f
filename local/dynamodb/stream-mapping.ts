/**
 * A Lambda event source mapping for a DynamoDB stream, with Lambda's semantics: in order per shard,
 * batches of up to BatchSize (optionally gathered for MaximumBatchingWindowInSeconds), filter criteria,
 * retries, bisection on function errors, partial batch responses (ReportBatchItemFailures), maximum
 * record age, and an on-failure destination that receives Lambda's invocation record.
 *
 * Checkpoints (the last processed sequence number per shard) are written to a file under `stateDir` after
 * every batch that completes, so a restart resumes where it stopped and never skips an unprocessed record.
 */
import { createHash, randomUUID } from 'node:crypto';
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
  /** With `maxPerShard`, at most that many records of each shard; the rest are left for the next read. */
  read(maxPerShard?: number): Promise<ShardRecords[]>;
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
    return { read: (maxPerShard) => reader.readBatches({ maxRecordsPerShard: maxPerShard }) };
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
  return Object.keys(props).filter((name) => !SUPPORTED_MAPPING_PROPERTIES.includes(name));
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
  /** Concurrent batches per shard (ParallelizationFactor). */
  parallelization: number;
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
  const parallelization = props.ParallelizationFactor ?? 1;
  if (!Number.isInteger(parallelization) || parallelization < 1 || parallelization > 10) {
    throw new InvalidStreamMappingError(`ParallelizationFactor must be 1..10, got ${parallelization}`);
  }
  const maxRecordAge = props.MaximumRecordAgeInSeconds ?? -1;
  return {
    parallelization,
    batchSize,
    windowMs: (props.MaximumBatchingWindowInSeconds ?? 0) * 1000,
    bisect: props.BisectBatchOnFunctionError === true,
    maxRetries: props.MaximumRetryAttempts ?? -1,
    maxRecordAgeMs: maxRecordAge === -1 ? Number.POSITIVE_INFINITY : maxRecordAge * 1000,
    reportBatchItemFailures: props.FunctionResponseTypes?.includes('ReportBatchItemFailures') === true,
    onFailure: props.DestinationConfig?.OnFailure?.Destination,
  };
}

/** A record the mapping has read and not yet checkpointed past. */
interface Held {
  record: DynamoDBRecord;
  /** When it was read: the batching window counts from the first held record. */
  readAt: number;
  /** Concurrent batch (0..ParallelizationFactor-1) that owns the record's item. */
  lane: number;
  /** `done` once processed, sent to the on-failure destination, or dropped by the filters. */
  state: 'pending' | 'running' | 'done';
}

interface ShardState {
  shardId: string;
  /** In sequence order; the done prefix is checkpointed and dropped. */
  held: Held[];
  busyLanes: Set<number>;
  windowTimer: NodeJS.Timeout | undefined;
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

/**
 * Lambda's stream poller: a read loop takes what each shard holds, up to the batch size per read,
 * and never waits for a batch to finish; batches are dispatched as soon as they are full or their
 * window (counted from the first record held) has passed. Per shard, up to ParallelizationFactor
 * batches run at once, each item (its keys) always in the same one, so an item's records stay in
 * order. The checkpoint only moves past records that are done.
 */
class RunningMapping implements StreamMapping {
  readonly id: string;
  private readonly shards = new Map<string, ShardState>();
  private readonly readAt = new WeakMap<DynamoDBRecord, number>();
  private readonly running = new Set<Promise<void>>();
  private readonly log: (line: string) => void;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly sleepers = new Set<() => void>();
  private saving: Promise<void> = Promise.resolve();

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
    for (;;) {
      const batches = await this.source.read();
      let read = 0;
      for (const { shardId, records } of batches) {
        const last = records[records.length - 1];
        if (!last) continue;
        read += records.length;
        this.state[shardId] = seq(last);
      }
      if (read === 0) break;
      skipped += read;
    }
    await this.store.save(this.state);
    if (skipped > 0)
      this.log(`[esm ${this.id}] StartingPosition LATEST: skipped ${skipped} existing record(s)`);
  }

  start(): void {
    this.loop = this.readLoop().catch((error: unknown) => {
      this.log(`[esm ${this.id}] stopped on an unexpected error: ${(error as Error).stack ?? String(error)}`);
    });
  }

  checkpoints(): Checkpoints {
    return { ...this.state };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.sleepers]) wake();
    for (const shard of this.shards.values()) clearTimeout(shard.windowTimer);
    await this.loop;
    await Promise.all([...this.running]);
    await this.saving;
    await this.source.close?.();
  }

  /**
   * Polls the stream (four times a second when idle, like Lambda), taking up to a batch per shard
   * per read; reads again at once while records keep coming and the held records are under the
   * buffer (one batch per concurrent lane, plus one).
   */
  private async readLoop(): Promise<void> {
    const buffer = this.settings.batchSize * (this.settings.parallelization + 1);
    while (!this.stopped) {
      let full = false;
      if (this.heldPending() < buffer) {
        try {
          const batches = await this.source.read(this.settings.batchSize);
          full = batches.some((b) => b.records.length >= this.settings.batchSize);
          if (this.accept(batches)) {
            await this.advanceCheckpoints();
            this.dispatch();
          }
        } catch (error) {
          this.log(`[esm ${this.id}] reading the stream failed: ${(error as Error).message}`);
        }
      }
      if (!full || this.heldPending() >= buffer) await this.sleep(this.pollIntervalMs);
    }
  }

  /** Holds incoming records per shard (filtered ones as already done); true when anything arrived. */
  private accept(batches: ShardRecords[]): boolean {
    let arrived = false;
    const now = Date.now();
    for (const { shardId, records } of batches) {
      if (records.length === 0) continue;
      arrived = true;
      let shard = this.shards.get(shardId);
      if (!shard) {
        shard = { shardId, held: [], busyLanes: new Set(), windowTimer: undefined };
        this.shards.set(shardId, shard);
      }
      for (const record of records) {
        this.readAt.set(record, now);
        const matches = this.filter(record);
        shard.held.push({
          record,
          readAt: now,
          lane: laneOf(record, this.settings.parallelization),
          state: matches ? 'pending' : 'done',
        });
      }
    }
    return arrived;
  }

  private heldPending(): number {
    let count = 0;
    for (const shard of this.shards.values()) {
      for (const held of shard.held) if (held.state === 'pending') count++;
    }
    return count;
  }

  /**
   * Starts every batch that is ready: in the first shard holding unprocessed records (shards in the
   * order they appeared, so a parent's records go before its children's), each idle lane takes its
   * pending records, up to the batch size, once it has a full batch or its window has passed.
   */
  private dispatch(): void {
    if (this.stopped) return;
    for (const shard of this.shards.values()) {
      if (!shard.held.some((h) => h.state !== 'done')) continue;
      const now = Date.now();
      let nextWindow = Number.POSITIVE_INFINITY;
      for (let lane = 0; lane < this.settings.parallelization; lane++) {
        if (shard.busyLanes.has(lane)) continue;
        const batch = shard.held
          .filter((h) => h.lane === lane && h.state === 'pending')
          .slice(0, this.settings.batchSize);
        if (batch.length === 0) continue;
        const windowEnds = batch[0]!.readAt + this.settings.windowMs;
        if (batch.length < this.settings.batchSize && windowEnds > now) {
          nextWindow = Math.min(nextWindow, windowEnds);
          continue;
        }
        for (const held of batch) held.state = 'running';
        shard.busyLanes.add(lane);
        const run = this.runBatch(shard, lane, batch).finally(() => this.running.delete(run));
        this.running.add(run);
      }
      clearTimeout(shard.windowTimer);
      shard.windowTimer = undefined;
      if (Number.isFinite(nextWindow)) {
        shard.windowTimer = setTimeout(() => this.dispatch(), Math.max(1, nextWindow - now));
      }
      return;
    }
  }

  private async runBatch(shard: ShardState, lane: number, batch: Held[]): Promise<void> {
    try {
      const completed = await this.processBatch(
        shard,
        batch.map((h) => h.record),
      );
      // Stopped first: nothing past the last checkpoint is considered processed.
      if (!completed) return;
      for (const held of batch) held.state = 'done';
      await this.advanceCheckpoints();
    } finally {
      shard.busyLanes.delete(lane);
    }
    this.dispatch();
  }

  /** Marks records done (processed, or given up on) before the rest of their batch. */
  private async markDone(shard: ShardState, records: DynamoDBRecord[]): Promise<void> {
    const done = new Set(records);
    for (const held of shard.held) if (done.has(held.record)) held.state = 'done';
    await this.advanceCheckpoints();
  }

  /** Moves each shard's checkpoint to the end of its done prefix (saves serialised). */
  private async advanceCheckpoints(): Promise<void> {
    let moved = false;
    for (const shard of this.shards.values()) {
      let prefix = 0;
      while (prefix < shard.held.length && shard.held[prefix]!.state === 'done') prefix++;
      if (prefix === 0) continue;
      const last = seq(shard.held[prefix - 1]!.record);
      shard.held.splice(0, prefix);
      if (last && last !== this.state[shard.shardId]) {
        this.state[shard.shardId] = last;
        moved = true;
      }
    }
    if (!moved) return;
    const snapshot = { ...this.state };
    this.saving = this.saving.then(() => this.store.save(snapshot));
    await this.saving;
  }

  /**
   * Processes one batch to completion (success, or failure sent to the destination); false when the mapping
   * stopped first, in which case nothing past the last checkpoint is considered processed.
   */
  private async processBatch(shard: ShardState, records: DynamoDBRecord[]): Promise<boolean> {
    const shardId = shard.shardId;
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
          await this.fail(shard, expired, 'RecordAgeExceeded', invokeCount, undefined);
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
          await this.markDone(shard, batch);
          this.log(
            `[esm ${this.id}] shard=${shortShard(shardId)} batch=${batch.length} seq=${range} ok retries=${retries} ${took}`,
          );
          break;
        }
        if (verdict.kind === 'partial') {
          // Everything before the lowest reported failure is done; retry from that record on.
          if (verdict.firstFailed > 0) await this.markDone(shard, batch.slice(0, verdict.firstFailed));
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
          await this.fail(shard, batch, 'RetryAttemptsExhausted', invokeCount, result);
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
    shard: ShardState,
    records: DynamoDBRecord[],
    condition: FailureCondition,
    invokeCount: number,
    lastResult: InvokeOutcome | undefined,
  ): Promise<void> {
    const destination = this.settings.onFailure;
    const record = failureRecord({
      functionArn: this.options.functionArn,
      streamArn: this.options.properties.EventSourceArn,
      shardId: shard.shardId,
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
    await this.markDone(shard, records);
  }

  /** A pause that `stop()` cuts short (the read loop and every batch's retries sleep concurrently). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
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

/**
 * The concurrent batch an item's records go to: Lambda keeps records of the same item (partition
 * and sort key) in order when it processes several batches of a shard at once.
 */
function laneOf(record: DynamoDBRecord, lanes: number): number {
  if (lanes === 1) return 0;
  const key = JSON.stringify(record.dynamodb?.Keys ?? {});
  return createHash('md5').update(key).digest().readUInt32BE(0) % lanes;
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
