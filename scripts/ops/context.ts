/** What every ops command shares: its options, errors, exit codes, output and the connection to a stage. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  connectDeployed,
  connectLocal,
  type LocalEndpoints,
  type OpsEnvironment,
} from '#shared/adapters/ops/environment.ts';
import { STAGE_PATTERN } from '#shared/adapters/ops/stage.ts';
import { colourEnabled, type Paint, painter, type Writable } from './output';

/** Exit codes (docs/operations.md, "Operator CLI"). */
export const EXIT = { ok: 0, failure: 1, usage: 2, unhealthy: 3, interrupted: 130 } as const;

/** A command line that cannot be run: usage on stderr, exit 2. */
export class UsageError extends Error {}
/** The work failed (AWS, a missing resource, a failed replay or redrive): exit 1. */
export class OperationalError extends Error {}

export interface Options {
  local?: boolean;
  stage?: string;
  json?: boolean;
  help?: boolean;
  from?: string;
  to?: string;
  rule?: string[];
  window?: string;
  max?: string;
  destination?: string;
  rate?: string;
  'redeliver-since'?: string;
}

export const OPTION_SPEC = {
  local: { type: 'boolean' },
  stage: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  from: { type: 'string' },
  to: { type: 'string' },
  rule: { type: 'string', multiple: true },
  window: { type: 'string' },
  max: { type: 'string' },
  destination: { type: 'string' },
  rate: { type: 'string' },
  'redeliver-since': { type: 'string' },
} as const;

export interface Io {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  interrupt?: AbortSignal;
}

/** What a command gets: parsed options, the output streams and how to paint on them. */
export interface CommandContext {
  options: Options;
  io: Io;
  json: boolean;
  paint: Paint;
  /** Progress bars go to stderr, on a terminal, and never with --json. */
  progress: boolean;
  /** Aborted by Ctrl-C: long work stops being followed (it goes on in AWS). */
  interrupt?: AbortSignal;
  connect(): Promise<OpsEnvironment>;
}

export function commandContext(options: Options, io: Io): CommandContext {
  const json = options.json === true;
  return {
    options,
    io,
    json,
    paint: painter(!json && colourEnabled(io.stdout, io.env)),
    progress: !json && io.stderr.isTTY === true,
    ...(io.interrupt && { interrupt: io.interrupt }),
    connect: () => connect(options, io.env),
  };
}

/** Refuses the options a command does not take (each command lists its own). */
export function allowOnly(options: Options, command: string, allowed: ReadonlyArray<keyof Options>): void {
  const common: ReadonlyArray<keyof Options> = ['local', 'stage', 'json', 'help'];
  for (const [name, value] of Object.entries(options))
    if (value !== undefined && ![...common, ...allowed].includes(name as keyof Options))
      throw new UsageError(`--${name} does not apply to ${command}.`);
}

async function connect(options: Options, env: NodeJS.ProcessEnv): Promise<OpsEnvironment> {
  const stage = options.stage ?? (options.local ? undefined : env.DIPLOWIRE_STAGE || 'dev');
  if (stage !== undefined && !STAGE_PATTERN.test(stage))
    throw new UsageError(`--stage must be a stage name like dev or prod, got "${stage}".`);
  if (options.local) return connectLocal(readLocalEndpoints(env), stage);
  return connectDeployed(stage ?? 'dev');
}

/** `<data-dir>/endpoints.json` of the local cloud (`npm start`); DIPLOWIRE_LOCAL_DIR for another data dir. */
function readLocalEndpoints(env: NodeJS.ProcessEnv): LocalEndpoints {
  const dir = env.DIPLOWIRE_LOCAL_DIR || fileURLToPath(new URL('../../.local', import.meta.url));
  const path = join(dir, 'endpoints.json');
  if (!existsSync(path))
    throw new OperationalError(
      `The local cloud is not running (${path} not found). Start it with: npm start`,
    );
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new OperationalError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const { region, dynamodb, sqs, eventbridge, stackOutputs } = parsed;
  if (
    [region, dynamodb, sqs, eventbridge].some((value) => typeof value !== 'string') ||
    typeof stackOutputs !== 'object' ||
    stackOutputs === null
  )
    throw new OperationalError(
      `${path} lacks the endpoints or stack outputs ops needs; restart the local cloud with: npm start`,
    );
  return parsed as unknown as LocalEndpoints;
}

/** Ctrl-C while following long work: the work goes on in AWS; this says how to see it. Exit 130. */
export class Interrupted extends Error {}

/**
 * Follows long work: calls `poll` every `intervalMs` until it says it is done. When `signal` aborts
 * (Ctrl-C), it stops following and throws Interrupted with `goesOn`: the replay or move task runs on.
 */
export async function follow<T>(
  poll: () => Promise<{ done: boolean; value: T }>,
  intervalMs: number,
  options: { signal?: AbortSignal; goesOn: string },
): Promise<T> {
  for (;;) {
    if (options.signal?.aborted) throw new Interrupted(options.goesOn);
    const { done, value } = await poll();
    if (done) return value;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(wake, intervalMs);
      function wake() {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', wake);
        resolve();
      }
      options.signal?.addEventListener('abort', wake, { once: true });
    });
  }
}

/** How often to ask about a replay or move task: the local cloud answers at once, AWS within seconds. */
export const pollInterval = (env: OpsEnvironment) => (env.mode === 'local' ? 250 : 2000);
