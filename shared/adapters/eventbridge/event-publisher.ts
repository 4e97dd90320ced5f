import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { MAX_ENTRIES_PER_PUT, MAX_ENTRY_BYTES, putEventsEntrySize } from '../../domain/eventbridge-limits';
import { type Backoff, type BackoffOptions, fullJitterBackoff } from '../backoff';

/** One event to put, with a caller-chosen id to report failures by. */
export interface PublishEntry {
  id: string;
  source: string;
  detailType: string;
  detail: unknown;
}

export interface PublishFailure {
  id: string;
  errorCode: string;
  errorMessage?: string;
}

export interface PublishResult {
  /** Ids of the entries that were not accepted after every attempt (or could never be). */
  failedIds: string[];
  /** Why each of them failed (the error of its last attempt), for logs. */
  failures: PublishFailure[];
}

export type EventPublisherOptions = BackoffOptions;

/** Per-entry codes that another attempt cannot fix (EventBridge API reference, PutEventsResultEntry). */
const PERMANENT_ENTRY_ERRORS = new Set([
  'AccessDeniedException',
  'InvalidAccountIdException',
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);

const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottledException',
  'LimitExceededException',
]);

interface PreparedEntry {
  id: string;
  request: PutEventsRequestEntry;
  bytes: number;
}

interface ServiceErrorLike {
  name?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Whole-call failures worth another attempt: throttling, 5xx, timeouts and network errors. */
function isRetryableCallError(error: unknown): boolean {
  const e = (error ?? {}) as ServiceErrorLike & { code?: string };
  if (e.$retryable !== undefined) return true;
  if (e.name !== undefined && (THROTTLING_ERRORS.has(e.name) || e.name === 'TimeoutError')) return true;
  if (e.code !== undefined && NETWORK_ERROR_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/**
 * Puts events on one bus in as few PutEvents calls as the limits allow (10 entries and 256 KB per
 * call), and retries only what failed: entries with a retryable per-entry ErrorCode and the entries
 * of calls that were throttled or hit a 5xx. Never throws for AWS errors; it reports what failed.
 */
export class EventPublisher {
  private readonly backoff: Backoff;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    opts: EventPublisherOptions = {},
  ) {
    this.backoff = fullJitterBackoff(opts, { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 3_000 });
  }

  async publish(entries: PublishEntry[]): Promise<PublishResult> {
    const failures = new Map<string, PublishFailure>();
    let pending: PreparedEntry[] = [];
    for (const entry of entries) {
      const prepared = this.prepare(entry);
      if (prepared.bytes > MAX_ENTRY_BYTES) {
        failures.set(entry.id, {
          id: entry.id,
          errorCode: 'EntryTooLarge',
          errorMessage: `${prepared.bytes} bytes exceeds the ${MAX_ENTRY_BYTES}-byte PutEvents entry limit`,
        });
      } else {
        pending.push(prepared);
      }
    }

    for (let attempt = 1; pending.length > 0 && attempt <= this.backoff.maxAttempts; attempt++) {
      if (attempt > 1) await this.backoff.wait(attempt - 1);
      // An entry counts as failed only if its latest attempt failed.
      for (const entry of pending) failures.delete(entry.id);
      const outcomes = await Promise.all(chunk(pending).map((batch) => this.put(batch)));
      pending = [];
      for (const outcome of outcomes) {
        for (const { entry, failure, retryable } of outcome) {
          failures.set(entry.id, failure);
          if (retryable) pending.push(entry);
        }
      }
    }

    const failed = [...failures.values()];
    return { failedIds: failed.map((f) => f.id), failures: failed };
  }

  private prepare(entry: PublishEntry): PreparedEntry {
    const request: PutEventsRequestEntry = {
      EventBusName: this.busName,
      Source: entry.source,
      DetailType: entry.detailType,
      Detail: JSON.stringify(entry.detail),
    };
    const bytes = putEventsEntrySize({
      Source: entry.source,
      DetailType: entry.detailType,
      Detail: request.Detail ?? '',
    });
    return { id: entry.id, request, bytes };
  }

  /** One PutEvents call; returns the entries that failed in it (an empty list when all were accepted). */
  private async put(
    batch: PreparedEntry[],
  ): Promise<{ entry: PreparedEntry; failure: PublishFailure; retryable: boolean }[]> {
    let results: PutEventsResultEntry[];
    try {
      const response = await this.client.send(new PutEventsCommand({ Entries: batch.map((e) => e.request) }));
      if (!response.FailedEntryCount) return [];
      results = response.Entries ?? [];
    } catch (error) {
      const e = (error ?? {}) as ServiceErrorLike;
      const retryable = isRetryableCallError(error);
      const errorCode = e.name ?? 'UnknownError';
      return batch.map((entry) => ({
        entry,
        failure: { id: entry.id, errorCode, ...(e.message ? { errorMessage: e.message } : {}) },
        retryable,
      }));
    }
    // Results are positional: result i belongs to request entry i.
    return batch.flatMap((entry, i) => {
      const result = results[i];
      if (result?.ErrorCode === undefined && result?.EventId !== undefined) return [];
      const errorCode = result?.ErrorCode ?? 'MissingResult';
      return [
        {
          entry,
          failure: {
            id: entry.id,
            errorCode,
            ...(result?.ErrorMessage ? { errorMessage: result.ErrorMessage } : {}),
          },
          retryable: !PERMANENT_ENTRY_ERRORS.has(errorCode),
        },
      ];
    });
  }
}

/** Splits entries into PutEvents requests of at most 10 entries and 256 KB in total, keeping their order. */
export function chunk<T extends { bytes: number }>(entries: T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (
      current.length === MAX_ENTRIES_PER_PUT ||
      (current.length > 0 && bytes + entry.bytes > MAX_ENTRY_BYTES)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
