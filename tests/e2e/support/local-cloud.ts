/**
 * Runs `scripts/start-local.ts` (what `npm start` runs) as a child process on free ports, the way a developer
 * would, and hands the tests its endpoints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '#local/support/ports.ts';
import { REPO_ROOT } from './synth';

/** `<data-dir>/endpoints.json` as written by `npm start` (local/run-cli.ts). */
export interface Endpoints {
  api: string;
  eventbridge: string;
  sqs: string;
  dynamodb: string;
  scheduler: string;
  /** The console, which also serves `/_local/invocations`. */
  console: string;
  region: string;
  demoApiKey: string;
  demoPartnerId: string;
  partnersTable: string;
  itemsTable: string;
  eventBusName: string;
  dataDir: string;
}

export interface StartCloudOptions {
  dataDir: string;
  /** The cloud assembly to run (see synth.ts). */
  cdkOut: string;
  fresh?: boolean;
  readyTimeoutMs?: number;
  /** Added to the environment the cloud process inherits (e.g. AWS_ENDPOINT_URL_TRANSLATE). */
  env?: Record<string, string>;
  /** Extra command-line options (e.g. `--no-iam`). */
  args?: string[];
}

export interface RunningCloud {
  endpoints: Endpoints;
  process: ChildProcess;
  /** Everything the cloud wrote to stderr (its log), for diagnostics. */
  log(): string;
  /** SIGTERM, like Ctrl-C, and wait for the process to exit. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. Nothing in the cloud gets to clean up. */
  kill(): Promise<void>;
}

const LOG_LIMIT = 2_000_000;

/**
 * Starts the cloud on four free ports. Other helpers run local clouds on this machine too, so a port
 * can be taken between `freePort()` and the cloud binding it. The cloud's DynamoDB Local launcher then
 * takes whatever answers on that port for its own JVM (see the report), so the start is checked: the
 * JVM in the pid file must be alive and listening on the port we chose; otherwise the start is retried
 * once on new ports.
 */
export async function startCloud(options: StartCloudOptions): Promise<RunningCloud> {
  const first = await startOnceOnFreePorts(options);
  if (ownsDynamoDbPort(first)) return first;
  const why = `DynamoDB Local of ${options.dataDir} is not the one on ${first.endpoints.dynamodb}`;
  await first.stop();
  await killLeftoverDynamoDb(options.dataDir);
  const second = await startOnceOnFreePorts({ ...options, fresh: options.fresh });
  if (ownsDynamoDbPort(second)) return second;
  await second.stop();
  throw new Error(`${why} (twice): another process holds the port`);
}

/**
 * `startOnce`, again on new ports when one of ours was taken before the cloud bound it: the ports
 * come from the ephemeral range, where any process's outgoing connection can land too.
 */
async function startOnceOnFreePorts(options: StartCloudOptions, attempts = 3): Promise<RunningCloud> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (attempt >= attempts || !/EADDRINUSE/.test((error as Error).message)) throw error;
      await killLeftoverDynamoDb(options.dataDir);
    }
  }
}

function ownsDynamoDbPort(cloud: RunningCloud): boolean {
  const pid = runningDynamoDbOf(cloud.endpoints.dataDir);
  if (pid === undefined) return false;
  const port = new URL(cloud.endpoints.dynamodb).port;
  const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  return commandLine.some((arg, i) => arg === '-port' && commandLine[i + 1] === port);
}

async function startOnce(options: StartCloudOptions): Promise<RunningCloud> {
  const ports = {
    port: await freePort(),
    'eventbridge-port': await freePort(),
    'sqs-port': await freePort(),
    'dynamodb-port': await freePort(),
    'scheduler-port': await freePort(),
  };
  const args = [
    // One process, the cloud itself: under `npx tsx` a SIGKILL would hit the npx wrapper (and tsx's
    // own parent process) and leave the real cloud running.
    '--import',
    'tsx',
    'scripts/start-local.ts',
    '--no-synth',
    '--cdk-out',
    options.cdkOut,
    '--data-dir',
    options.dataDir,
    ...(options.fresh ? ['--fresh'] : []),
    ...(options.args ?? []),
    ...Object.entries(ports).flatMap(([flag, port]) => [`--${flag}`, String(port)]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...options.env },
  });
  const stdout = outputTail(LOG_LIMIT);
  const stderr = outputTail(LOG_LIMIT);
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const isRunning = () => child.exitCode === null && child.signalCode === null;

  const timeoutMs = options.readyTimeoutMs ?? 90_000;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the local cloud was not ready after ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      const check = () => {
        if (/^ready in /m.test(stdout.text())) {
          clearTimeout(timer);
          child.stdout.off('data', check);
          resolve();
        }
      };
      child.stdout.on('data', check);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the local cloud exited before it was ready (code ${code}, signal ${signal})`));
      });
    });
  } catch (error) {
    if (isRunning()) {
      child.kill('SIGKILL');
      await exited;
    }
    throw new Error(`${(error as Error).message}\n--- stderr (tail) ---\n${stderr.text().slice(-3000)}`);
  }

  const endpoints = JSON.parse(readFileSync(join(options.dataDir, 'endpoints.json'), 'utf8')) as Endpoints;
  const signal = async (name: NodeJS.Signals, graceMs: number) => {
    if (!isRunning()) return;
    child.kill(name);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    endpoints,
    process: child,
    log: () => stderr.text(),
    stop: () => signal('SIGTERM', 20_000),
    kill: () => signal('SIGKILL', 0),
  };
}

/**
 * The last `limit` characters of a child's output, kept as chunks: taking a chunk costs its own
 * length, not the whole tail's (a flood in the fairness bench logs thousands of lines a second, and
 * re-slicing a 2 MB string per chunk took CPU from the client being measured in the same process).
 */
function outputTail(limit: number): { push(chunk: string): void; text(): string } {
  const chunks: string[] = [];
  let length = 0;
  return {
    push(chunk) {
      chunks.push(chunk);
      length += chunk.length;
      while (chunks.length > 1 && length - chunks[0]!.length >= limit) length -= chunks.shift()!.length;
    },
    text: () => chunks.join('').slice(-limit),
  };
}

/** The pid of the DynamoDB Local JVM the cloud started for this data directory (its pid file). */
export function dynamoDbPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'dynamodb.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8'));
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when `pid` is a running DynamoDB Local JVM on `dataDir`'s files. The command line is checked so
 * that a pid reused by an unrelated process is never mistaken for it.
 */
export function isDynamoDbLocalOf(pid: number, dataDir: string): boolean {
  if (!isAlive(pid)) return false;
  let commandLine: string;
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return false;
  }
  return commandLine.includes('DynamoDBLocal') && commandLine.includes(join(dataDir, 'dynamodb'));
}

/** The pid of the DynamoDB Local JVM recorded for `dataDir`, if it is still running. */
export function runningDynamoDbOf(dataDir: string): number | undefined {
  const pid = dynamoDbPid(dataDir);
  return pid !== undefined && isDynamoDbLocalOf(pid, dataDir) ? pid : undefined;
}

/**
 * Safety net for afterAll: SIGKILLs every DynamoDB Local JVM on `dataDir` that outlived its cloud (the
 * one in the pid file, plus `earlierPids` of earlier runs on the same directory) and returns their
 * pids. The tests assert that the cloud cleans up itself; this only keeps a failed run from leaking.
 */
export async function killLeftoverDynamoDb(dataDir: string, earlierPids: number[] = []): Promise<number[]> {
  const candidates = new Set([...earlierPids, dynamoDbPid(dataDir) ?? -1]);
  const leftovers = [...candidates].filter((pid) => pid > 0 && isDynamoDbLocalOf(pid, dataDir));
  for (const pid of leftovers) {
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  }
  return leftovers;
}
