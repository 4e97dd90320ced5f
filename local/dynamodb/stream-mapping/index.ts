/**
 * A Lambda event source mapping for a DynamoDB stream, with Lambda's semantics: in order per shard,
 * batches of up to BatchSize (optionally gathered for MaximumBatchingWindowInSeconds), filter criteria,
 * retries, bisection on function errors, partial batch responses (ReportBatchItemFailures), maximum
 * record age, and an on-failure destination that receives Lambda's invocation record.
 *
 * Checkpoints (the last processed sequence number per shard) are written to a file under `stateDir` after
 * every batch that completes, so a restart resumes where it stopped and never skips an unprocessed record.
 *
 * The parts: `source.ts` reads the stream, `settings.ts` validates the mapping's properties, `poller.ts`
 * holds records and dispatches batches, `batch-processor.ts` takes a batch through retries to success or
 * `failure-record.ts`, and `checkpoint-store.ts` persists positions.
 */

/** The Lambda invoke contract, from local/lambda (re-exported for this component's callers). */
export type { Invoke, InvokeOutcome as InvokeResult } from '../../lambda';
export { type FailureRecord, type FailureRecordInput, failureRecord } from './failure-record';
export { type StreamMapping, type StreamMappingOptions, startStreamMapping } from './poller';
export {
  InvalidStreamMappingError,
  type StreamMappingProperties,
  SUPPORTED_MAPPING_PROPERTIES,
  unsupportedMappingProperties,
} from './settings';
export {
  type Checkpoints,
  dynamoDbStreamSource,
  type ShardRecords,
  type StreamSource,
  type StreamSourceRequest,
} from './source';
