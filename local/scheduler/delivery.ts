/**
 * One invocation of a schedule's target, as EventBridge Scheduler makes it: the target's Input with its
 * context attributes filled in, retried with exponential backoff until the retry policy runs out
 * (MaximumRetryAttempts, default 185; MaximumEventAgeInSeconds, default 86400), then sent to the
 * target's dead-letter queue with Scheduler's error attributes, or dropped when there is none.
 */
import type { TargetInput, TargetKind } from './model';
import type { StoredInvocation } from './store';

export const DEFAULT_MAX_RETRY_ATTEMPTS = 185;
export const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;

/** Delivers a payload to a target; throws when the delivery failed (the error's `code`/`name` is its code). */
export type ScheduleTargetInvoker = (
  target: TargetInput & { kind: TargetKind },
  payload: string,
  context: { scheduleArn: string },
) => Promise<void>;

/** Sends an undeliverable invocation to a dead-letter queue with Scheduler's message attributes. */
export type ScheduleDeadLetterSink = (
  queueArn: string,
  body: string,
  attributes: Record<string, string>,
) => Promise<void>;

export type InvocationOutcome = 'delivered' | 'dead-lettered' | 'dropped';

/** `2024-01-01T00:00:00Z`: Scheduler's `<aws.scheduler.scheduled-time>`. */
export const isoSeconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/**
 * The target's Input (or an empty JSON object) with Scheduler's context attributes substituted:
 * `<aws.scheduler.schedule-arn>`, `<aws.scheduler.scheduled-time>`, `<aws.scheduler.execution-id>` and
 * `<aws.scheduler.attempt-number>`.
 */
export function invocationPayload(invocation: StoredInvocation, attempt: number): string {
  const values: Record<string, string> = {
    'schedule-arn': invocation.scheduleArn,
    'scheduled-time': isoSeconds(invocation.scheduledAt),
    'execution-id': invocation.id,
    'attempt-number': String(attempt),
  };
  return (invocation.target.Input ?? '{}').replace(
    /<aws\.scheduler\.(schedule-arn|scheduled-time|execution-id|attempt-number)>/g,
    (_, name: string) => values[name]!,
  );
}

export function errorCodeOf(error: unknown): string {
  const named = error as { code?: unknown; name?: unknown };
  if (typeof named.code === 'string' && named.code !== '') return named.code;
  if (typeof named.name === 'string' && named.name !== '' && named.name !== 'Error') return named.name;
  return 'TargetInvocationFailure';
}

export interface DeliveryContext {
  invoke: ScheduleTargetInvoker;
  sendToDeadLetter: ScheduleDeadLetterSink;
  kindOf: (arn: string) => TargetKind;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** Persists the invocation's progress (attempts, last error). */
  save: () => void;
  /** Waits, unless the scheduler is stopping; resolves false when it stopped. */
  sleep: (ms: number) => Promise<boolean>;
  isClosed: () => boolean;
  log: (line: string) => void;
}

/**
 * Runs an invocation to its outcome; resolves undefined when the scheduler stopped first (the
 * invocation stays persisted and is resumed after a restart).
 */
export async function deliver(
  invocation: StoredInvocation,
  ctx: DeliveryContext,
): Promise<InvocationOutcome | undefined> {
  const policy = invocation.target.RetryPolicy;
  const maxRetries = policy?.MaximumRetryAttempts ?? DEFAULT_MAX_RETRY_ATTEMPTS;
  const maxAgeMs = (policy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000;
  const target = { ...invocation.target, kind: ctx.kindOf(invocation.target.Arn) };
  const where = `schedule ${invocation.groupName}/${invocation.name} (due ${isoSeconds(invocation.scheduledAt)}) -> ${target.Arn}`;
  for (;;) {
    if (ctx.isClosed()) return undefined;
    // Only an invocation resumed after a restart can be this old before an attempt.
    if (Date.now() - invocation.createdAt > maxAgeMs)
      return giveUp(invocation, ctx, 'MaximumEventAgeInSeconds', where);
    invocation.attempts++;
    try {
      await ctx.invoke(target, invocationPayload(invocation, invocation.attempts), {
        scheduleArn: invocation.scheduleArn,
      });
      ctx.log(`delivered ${where} attempt=${invocation.attempts}`);
      return 'delivered';
    } catch (error) {
      invocation.lastError = { code: errorCodeOf(error), message: (error as Error).message ?? String(error) };
      ctx.save();
      const retriesSoFar = invocation.attempts - 1;
      ctx.log(`invocation failed ${where} attempt=${invocation.attempts}: ${invocation.lastError.message}`);
      if (retriesSoFar >= maxRetries) return giveUp(invocation, ctx, 'MaximumRetryAttempts', where);
      const delay = Math.min(ctx.retryBaseDelayMs * 2 ** retriesSoFar, ctx.retryMaxDelayMs);
      if (Date.now() + delay - invocation.createdAt > maxAgeMs)
        return giveUp(invocation, ctx, 'MaximumEventAgeInSeconds', where);
      if (!(await ctx.sleep(delay))) return undefined;
    }
  }
}

async function giveUp(
  invocation: StoredInvocation,
  ctx: DeliveryContext,
  exhausted: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds',
  where: string,
): Promise<InvocationOutcome> {
  const error = invocation.lastError ?? {
    code: 'EventExpired',
    message: 'The invocation expired before it was attempted',
  };
  const dlq = invocation.target.DeadLetterConfig?.Arn;
  if (dlq === undefined) {
    ctx.log(
      `!!! DROPPED ${where} after ${invocation.attempts} attempts (${exhausted}), no dead-letter queue: ${error.message}`,
    );
    return 'dropped';
  }
  const attributes = {
    ERROR_CODE: error.code,
    ERROR_MESSAGE: error.message,
    EXHAUSTED_RETRY_CONDITION: exhausted,
    RETRY_ATTEMPTS: String(Math.max(0, invocation.attempts - 1)),
    TARGET_ARN: invocation.target.Arn,
    'X-Amz-Scheduler-Attempt': String(invocation.attempts),
    'X-Amz-Scheduler-Group': invocation.groupName,
    'X-Amz-Scheduler-Schedule': invocation.name,
  };
  try {
    await ctx.sendToDeadLetter(dlq, invocationPayload(invocation, invocation.attempts), attributes);
    ctx.log(`dead-lettered ${where} to ${dlq} after ${invocation.attempts} attempts (${exhausted})`);
    return 'dead-lettered';
  } catch (sendError) {
    ctx.log(`!!! DROPPED ${where}: dead-letter queue ${dlq} failed: ${(sendError as Error).message}`);
    return 'dropped';
  }
}
