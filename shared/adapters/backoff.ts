/** Retry settings shared by the adapters that retry on their own (on top of the SDK's retries). */
export interface BackoffOptions {
  /** Attempts, the first included. */
  maxAttempts?: number;
  /** Backoff before attempt n+1 is random in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))] ("full jitter"). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface Backoff {
  readonly maxAttempts: number;
  /** Waits before retry number `retry` (1 for the first retry). */
  wait(retry: number): Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
export function fullJitterBackoff(
  options: BackoffOptions,
  defaults: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number },
): Backoff {
  const maxAttempts = Math.max(1, options.maxAttempts ?? defaults.maxAttempts);
  const baseDelayMs = options.baseDelayMs ?? defaults.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? defaults.maxDelayMs;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  return {
    maxAttempts,
    wait: (retry) => sleep(Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1)))),
  };
}
