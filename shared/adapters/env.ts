/**
 * Reads configuration from the environment once, at module load, and fails fast:
 * a function with a missing variable fails its first cold start instead of serving
 * half-configured requests.
 */
export class ConfigError extends Error {
  constructor(name: string) {
    super(`Missing required environment variable ${name}`);
    this.name = 'ConfigError';
  }
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigError(name);
  return value;
}

export function optionalEnv(name: string, fallback: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  return value === undefined || value.trim() === '' ? fallback : value;
}

/** `true`/`1`/`yes`/`on`/`y`, as Powertools reads its boolean variables (`POWERTOOLS_DEV`, …). */
export function isTruthy(value: string | undefined): boolean {
  return ['true', '1', 'yes', 'on', 'y'].includes(value?.trim().toLowerCase() ?? '');
}

/**
 * Whether this execution environment's first invocation is a cold start, as Powertools counts it: only
 * in an on-demand environment (not provisioned concurrency, and not when Lambda does not say).
 */
export function startsCold(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.AWS_LAMBDA_INITIALIZATION_TYPE?.trim() === 'on-demand';
}
