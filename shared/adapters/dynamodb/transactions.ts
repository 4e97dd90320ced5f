import {
  type DynamoDBClient,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';

/**
 * Runs a TransactWriteItems and sorts its failures: a failed condition is an answer (the caller
 * decides what it means); a conflict with a concurrent transaction on the same keys, or
 * throttling inside the transaction, is transient and retried with full-jitter backoff.
 * Callers marshal each action's Item, Key and ExpressionAttributeValues (see clients/dynamodb.ts).
 */

export type TransactOutcome = { committed: true } | { committed: false; conditionFailed: boolean[] };

export class StoreContentionError extends Error {
  constructor(attempts: number) {
    super(`Transaction still conflicting after ${attempts} attempts`);
    this.name = 'StoreContentionError';
  }
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 15, maxDelayMs: 400 };

const TRANSIENT_REASONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

export async function transactWrite(
  client: DynamoDBClient,
  input: TransactWriteItemsCommandInput,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<TransactOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new TransactWriteItemsCommand(input));
      return { committed: true };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes === undefined) throw error;
      if (codes.includes('ConditionalCheckFailed')) {
        return { committed: false, conditionFailed: codes.map((code) => code === 'ConditionalCheckFailed') };
      }
      if (!codes.some((code) => TRANSIENT_REASONS.has(code))) throw error;
      if (attempt >= policy.maxAttempts) throw new StoreContentionError(attempt);
      await sleep(backoff(attempt, policy));
    }
  }
}

/** Reason codes of a cancelled transaction, one per action ('None' for the uninvolved ones). */
function cancellationCodes(error: unknown): string[] | undefined {
  if (error instanceof TransactionCanceledException || isNamed(error, 'TransactionCanceledException')) {
    const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
    return reasons.map((reason) => reason.Code ?? 'None');
  }
  // Raised when another request with the same client token is still running: try again later.
  if (isNamed(error, 'TransactionInProgressException')) return ['TransactionConflict'];
  return undefined;
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/** Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): spreads the retries of racers apart. */
function backoff(attempt: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.random() * ceiling;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
