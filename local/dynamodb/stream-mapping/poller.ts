/**
 * Lambda's stream poller: reads the stream, holds records per shard, gathers them into batches (full, or
 * once their batching window passed), dispatches up to ParallelizationFactor batches per shard, and moves
 * each shard's checkpoint past what is done. What happens to a batch is the BatchProcessor's business.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import type { Invoke } from '../../lambda';
import { compileFilterCriteria, type RecordFilter } from '../filter';
import { BatchProcessor } from './batch-processor';
import { CheckpointStore } from './checkpoint-store';
import { laneOf, seq } from './records';
import { type Settings, type StreamMappingProperties, settingsFrom } from './settings';
import type { Checkpoints, ShardRecords, StreamSource, StreamSourceRequest } from './source';

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
 * A read loop takes what each shard holds, up to the batch size per read, and never waits for a batch
 * to finish; batches are dispatched as soon as they are full or their window (counted from the first
 * record held) has passed. Per shard, up to ParallelizationFactor batches run at once, each item (its
 * keys) always in the same one, so an item's records stay in order. The checkpoint only moves past
 * records that are done.
 */
class RunningMapping implements StreamMapping {
  readonly id: string;
  private readonly shards = new Map<string, ShardState>();
  private readonly readAt = new WeakMap<DynamoDBRecord, number>();
  private readonly running = new Set<Promise<void>>();
  private readonly log: (line: string) => void;
  private readonly pollIntervalMs: number;
  private readonly processor: BatchProcessor;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly sleepers = new Set<() => void>();
  private saving: Promise<void> = Promise.resolve();

  constructor(
    options: StreamMappingOptions,
    private readonly settings: Settings,
    private readonly filter: RecordFilter,
    private readonly store: CheckpointStore,
    private readonly state: Checkpoints,
    private readonly source: StreamSource,
  ) {
    this.id = options.id;
    this.log = options.log ?? ((line) => console.log(line));
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.processor = new BatchProcessor({
      id: options.id,
      settings,
      functionArn: options.functionArn,
      streamArn: options.properties.EventSourceArn,
      invoke: options.invoke,
      sendToQueue: options.sendToQueue,
      log: this.log,
      retryDelayMs: options.retryDelayMs ?? 500,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 10_000,
      sleep: (ms) => this.sleep(ms),
      isStopped: () => this.stopped,
      readAt: (record) => this.readAt.get(record),
    });
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
      const completed = await this.processor.process(
        shard.shardId,
        batch.map((h) => h.record),
        (records) => this.markDone(shard, records),
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
