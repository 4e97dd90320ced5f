import { parseRetrySchedule } from '../../domain/webhooks/retry';
import type { UrlPolicy } from '../../domain/webhooks/url-policy';
import { optionalEnv } from '../env';

/** Webhook settings from the environment, read once per cold start (fail fast on bad values). */

const flag = (name: string, fallback: boolean, env: NodeJS.ProcessEnv): boolean => {
  const value = optionalEnv(name, String(fallback), env).toLowerCase();
  if (value !== 'true' && value !== 'false') throw new RangeError(`${name} must be true or false`);
  return value === 'true';
};

const seconds = (name: string, fallback: number, env: NodeJS.ProcessEnv): number => {
  const value = optionalEnv(name, String(fallback), env);
  if (!/^\d+$/.test(value)) throw new RangeError(`${name} must be whole seconds`);
  return Number(value);
};

/** `WEBHOOKS_REQUIRE_HTTPS` (default true) and `WEBHOOKS_ALLOW_LOOPBACK` (default false; the local cloud sets it). */
export function urlPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): UrlPolicy {
  return {
    requireHttps: flag('WEBHOOKS_REQUIRE_HTTPS', true, env),
    allowLoopback: flag('WEBHOOKS_ALLOW_LOOPBACK', false, env),
  };
}

export function retryScheduleFromEnv(env: NodeJS.ProcessEnv = process.env): number[] {
  return parseRetrySchedule(env.WEBHOOK_RETRY_SCHEDULE);
}

/** `WEBHOOK_DISABLE_AFTER_SECONDS`: default 5 days of continuous failure. */
export function disableAfterSecondsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return seconds('WEBHOOK_DISABLE_AFTER_SECONDS', 5 * 24 * 3600, env);
}

/** `WEBHOOK_SECRET_ROTATION_SECONDS`: how long a replaced secret keeps signing (default 24 h). */
export function rotationWindowSecondsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return seconds('WEBHOOK_SECRET_ROTATION_SECONDS', 24 * 3600, env);
}
