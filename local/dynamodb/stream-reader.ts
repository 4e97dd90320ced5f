import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type AttributeValue as StreamAttributeValue,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, AttributeValue as LambdaAttributeValue } from 'aws-lambda';

/**
 * Reads a DynamoDB stream the way a Lambda event source mapping does, and hands out records in the
 * exact shape Lambda delivers them. Shared by the integration tests and the local cloud.
 *
 * DynamoDB Local notes: the SDK turns `ApproximateCreationDateTime` into a Date (Lambda delivers
 * epoch seconds), `B`/`BS` values arrive as Uint8Array (Lambda delivers base64 strings), and
 * `awsRegion` is "ddblocal"; all three are converted here. Reading stops on an open shard at the
 * first empty page, which on DynamoDB Local means "caught up".
 */

/** Where reading resumes, per shard: after `sequenceNumber`, or from TRIM_HORIZON when absent. */
export interface ShardCheckpoint {
  sequenceNumber?: string;
  /** The shard is closed and was read to its end. */
  finished?: boolean;
}

/** Plain JSON: persist it to resume after a restart. */
export interface StreamCheckpoint {
  streamArn: string;
  shards: Record<string, ShardCheckpoint>;
}

export interface ShardBatch {
  shardId: string;
  records: DynamoDBRecord[];
}

export interface StreamReaderOptions {
  /** `awsRegion` of the delivered records; defaults to the client's region (DynamoDB Local says "ddblocal"). */
  region?: string;
  /** GetRecords `Limit` (1..1000). */
  pageSize?: number;
}

const MAX_ITERATOR_RENEWALS = 3;
/**
 * How long a shard list is trusted. A poll reuses it and each shard's next iterator, so an idle poll
 * is ONE GetRecords per open shard instead of DescribeStream + GetShardIterator + GetRecords, which
 * on a busy DynamoDB Local (calls queue behind its writes) is most of a stage's delay. A shard that
 * closes, or the age below, makes the next poll describe the stream again to find its children.
 */
const SHARD_LIST_TTL_MS = 5_000;

const errorName = (error: unknown) => (error as { name?: string } | undefined)?.name;

export class StreamReader {
  private shards = new Map<string, ShardCheckpoint>();
  private region: string | undefined;
  /** The shard list and when it was read; undefined when it must be read again. */
  private shardList: { shards: Shard[]; readAt: number } | undefined;
  /** Per open shard, the iterator that continues right after what was read (GetRecords' next). */
  private readonly nextIterators = new Map<string, string>();

  constructor(
    private readonly client: DynamoDBStreamsClient,
    readonly streamArn: string,
    private readonly options: StreamReaderOptions = {},
  ) {
    this.region = options.region;
  }

  /** Every record written since the last read (or checkpoint), parents before children, in shard order. */
  async readAvailable(): Promise<DynamoDBRecord[]> {
    return (await this.readBatches()).flatMap((batch) => batch.records);
  }

  /**
   * Like readAvailable, grouped by shard: an event source mapping invokes with one shard's records
   * at a time, and retries within a shard (batchItemFailures are sequence numbers of one shard).
   */
  async readBatches(options: { maxRecordsPerShard?: number } = {}): Promise<ShardBatch[]> {
    const shards = await this.describeShards();
    const present = new Set(shards.map((s) => s.ShardId));
    const visited = new Set<string>();
    const batches: ShardBatch[] = [];
    // Shard lineage: a child is read only once its parent (if still listed) has been read to its end.
    for (let progressed = true; progressed; ) {
      progressed = false;
      for (const shard of shards) {
        const shardId = shard.ShardId!;
        const parent = shard.ParentShardId;
        if (visited.has(shardId)) continue;
        if (parent !== undefined && present.has(parent) && !this.state(parent).finished) continue;
        visited.add(shardId);
        progressed = true;
        if (this.state(shardId).finished) continue;
        const records = await this.readShard(shardId, options.maxRecordsPerShard);
        if (records.length > 0) batches.push({ shardId, records });
      }
    }
    return batches;
  }

  /**
   * The read position of every shard. Take it after the records returned so far were processed;
   * `restore` it (e.g. after a restart) to continue right after them.
   */
  checkpoint(): StreamCheckpoint {
    return { streamArn: this.streamArn, shards: Object.fromEntries(structuredClone([...this.shards])) };
  }

  /** Continues from `checkpoint`. Returns false (and keeps reading from TRIM_HORIZON) if it belongs to another stream. */
  restore(checkpoint: StreamCheckpoint): boolean {
    if (checkpoint.streamArn !== this.streamArn) return false;
    this.shards = new Map(Object.entries(structuredClone(checkpoint.shards)));
    // Positions changed: iterators from before would continue from the old ones.
    this.nextIterators.clear();
    this.shardList = undefined;
    return true;
  }

  private state(shardId: string): ShardCheckpoint {
    let state = this.shards.get(shardId);
    if (state === undefined) {
      state = {};
      this.shards.set(shardId, state);
    }
    return state;
  }

  private async describeShards(): Promise<Shard[]> {
    if (this.shardList && Date.now() - this.shardList.readAt < SHARD_LIST_TTL_MS)
      return this.shardList.shards;
    const readAt = Date.now();
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.client.send(
        new DescribeStreamCommand({
          StreamArn: this.streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
      );
      shards.push(...(StreamDescription?.Shards ?? []).filter((s) => s.ShardId !== undefined));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    this.shardList = { shards, readAt };
    return shards;
  }

  /**
   * Reads a shard from its position until a page comes back short of its limit (caught up) or, with
   * `max`, until `max` records were read: an event source mapping takes what is there up to its
   * batch size and comes back for more, instead of chasing the tail of a busy shard.
   */
  private async readShard(shardId: string, max = Number.POSITIVE_INFINITY): Promise<DynamoDBRecord[]> {
    const state = this.state(shardId);
    const records: DynamoDBRecord[] = [];
    let iterator = this.nextIterators.get(shardId) ?? (await this.iterator(shardId, state));
    this.nextIterators.delete(shardId);
    let renewals = 0;
    while (iterator !== undefined && records.length < max) {
      let page: { Records?: _Record[]; NextShardIterator?: string };
      const limit = Math.min(this.options.pageSize ?? 1000, max - records.length);
      try {
        page = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
      } catch (error) {
        // A kept iterator expires after 15 minutes idle: a fresh one from the read position. DynamoDB
        // Local also refuses one kept while the shard was empty once its first records arrive
        // (TrimmedDataAccessException, with nothing trimmed): a fresh one reads them at once.
        const name = errorName(error);
        if (
          (name === 'ExpiredIteratorException' || name === 'TrimmedDataAccessException') &&
          renewals++ < MAX_ITERATOR_RENEWALS
        ) {
          iterator = await this.iterator(shardId, state);
          continue;
        }
        throw error;
      }
      for (const record of page.Records ?? []) {
        records.push(await this.toLambdaRecord(record));
        if (record.dynamodb?.SequenceNumber !== undefined)
          state.sequenceNumber = record.dynamodb.SequenceNumber;
      }
      if (page.NextShardIterator === undefined) {
        state.finished = true; // a closed shard, read to its end
        this.shardList = undefined; // its children are in the next shard list
        return records;
      }
      iterator = page.NextShardIterator;
      // A page short of its limit is what the shard held when it was asked: caught up. Asking again
      // would chase records written meanwhile, one page of a few records at a time, and hold back
      // the ones already read (Lambda's poller hands over what one GetRecords returned).
      if ((page.Records ?? []).length < limit) break;
    }
    // The next poll continues here, without asking for an iterator again.
    if (iterator !== undefined) this.nextIterators.set(shardId, iterator);
    return records;
  }

  private async iterator(shardId: string, state: ShardCheckpoint): Promise<string | undefined> {
    const after = state.sequenceNumber;
    try {
      const { ShardIterator } = await this.client.send(
        new GetShardIteratorCommand({
          StreamArn: this.streamArn,
          ShardId: shardId,
          ...(after === undefined
            ? { ShardIteratorType: 'TRIM_HORIZON' }
            : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }),
        }),
      );
      return ShardIterator;
    } catch (error) {
      const name = errorName(error);
      // The checkpointed record aged out of the 24-hour retention: continue with the oldest one left.
      if (name === 'TrimmedDataAccessException' && after !== undefined) {
        state.sequenceNumber = undefined;
        return this.iterator(shardId, state);
      }
      // The shard itself was trimmed away: nothing left to read in it.
      if (name === 'ResourceNotFoundException') {
        state.finished = true;
        return undefined;
      }
      throw error;
    }
  }

  private async toLambdaRecord(record: _Record): Promise<DynamoDBRecord> {
    this.region ??= await this.client.config.region();
    const stream = record.dynamodb ?? {};
    const created = stream.ApproximateCreationDateTime;
    return {
      eventID: record.eventID,
      eventName: record.eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.region,
      dynamodb: {
        ...(created === undefined
          ? {}
          : { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) }),
        ...(stream.Keys === undefined ? {} : { Keys: toLambdaImage(stream.Keys) }),
        ...(stream.NewImage === undefined ? {} : { NewImage: toLambdaImage(stream.NewImage) }),
        ...(stream.OldImage === undefined ? {} : { OldImage: toLambdaImage(stream.OldImage) }),
        SequenceNumber: stream.SequenceNumber,
        SizeBytes: stream.SizeBytes,
        StreamViewType: stream.StreamViewType,
      },
      eventSourceARN: this.streamArn,
      ...(record.userIdentity === undefined ? {} : { userIdentity: record.userIdentity }),
    };
  }
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function toLambdaImage(image: Record<string, StreamAttributeValue>): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]));
}

/** Lambda's JSON carries binary as base64 strings; everything else is already JSON-shaped. */
function toLambdaValue(value: StreamAttributeValue): LambdaAttributeValue {
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  return value as LambdaAttributeValue;
}
