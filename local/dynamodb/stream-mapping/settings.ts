/**
 * The `AWS::Lambda::EventSourceMapping` properties a DynamoDB stream mapping honours, validated once at
 * start-up into the settings the poller and the batch processor read.
 */
import type { FilterCriteria } from '../filter';

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

export class InvalidStreamMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStreamMappingError';
  }
}

export interface Settings {
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

export function settingsFrom(props: StreamMappingProperties): Settings {
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
