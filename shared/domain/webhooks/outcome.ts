import { parseRetryAfter } from './retry';

/** What the sender observed for one attempt. */
export type SendResult =
  | { kind: 'response'; status: number; durationMs: number; body: string; retryAfter?: string }
  | { kind: 'error'; durationMs: number; error: string };

export type AttemptVerdict =
  | { verdict: 'succeeded' }
  /** 410 Gone: the receiver wants no more webhooks; the subscription is disabled. */
  | { verdict: 'gone' }
  | { verdict: 'retry'; retryAfterSeconds?: number };

/**
 * Standard Webhooks status handling: only 2xx succeeds; 3xx is a failure (never followed); 410
 * disables; 429 and 503 may carry Retry-After; everything else (timeouts, resets) is retried.
 */
export function judgeAttempt(result: SendResult, now: Date): AttemptVerdict {
  if (result.kind === 'error') return { verdict: 'retry' };
  if (result.status >= 200 && result.status < 300) return { verdict: 'succeeded' };
  if (result.status === 410) return { verdict: 'gone' };
  if (result.status === 429 || result.status === 503) {
    const retryAfterSeconds = parseRetryAfter(result.retryAfter, now);
    return retryAfterSeconds === undefined ? { verdict: 'retry' } : { verdict: 'retry', retryAfterSeconds };
  }
  return { verdict: 'retry' };
}
