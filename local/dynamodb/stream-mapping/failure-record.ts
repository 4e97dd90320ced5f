import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';
import type { InvokeOutcome } from '../../lambda';
import { createdAtMs, seq } from './records';

export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

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

/** `2019-11-14T00:13:19Z`: Lambda reports arrival times to the second. */
function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
