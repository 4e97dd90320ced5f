/**
 * `cdk synth` for the e2e suite, cached across test files and runs: the cloud assembly goes to
 * `os.tmpdir()/diplowire-e2e-cdkout-<hash>`, where the hash covers the app, its context and every source
 * file it is built from. A second call with unchanged sources returns at once.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What the real app is built from (as local/synth.ts), plus the e2e app and its fixtures. */
const APP_SOURCES = ['infra', 'functions', 'shared', 'cdk.json', 'package-lock.json'];

export interface SynthRequest {
  /** Entry point of the CDK app, relative to the repository root. */
  app: string;
  /** `-c key=value` pairs. */
  context?: Record<string, string>;
  /** Files and directories (relative to the repository root) the assembly depends on. */
  sources: string[];
}

/** The real app plus the test-only E2E stack (tests/e2e/support/test-app.ts). */
export const E2E_APP: SynthRequest = {
  app: 'tests/e2e/support/test-app.ts',
  sources: [...APP_SOURCES, 'tests/e2e/support', 'tests/e2e/fixtures/always-fails'],
};

const MARKER = '.diplowire-e2e-complete';

/** Synthesizes `request` unless an assembly for exactly these sources exists; returns its directory. */
export async function synthesize(request: SynthRequest = E2E_APP): Promise<string> {
  const outDir = join(tmpdir(), `diplowire-e2e-cdkout-${cacheKey(request)}`);
  if (existsSync(join(outDir, MARKER))) return outDir;

  // Synthesize next to the cache entry and rename it into place, so a concurrent or interrupted
  // synth never leaves a half-written assembly behind the cache key.
  const building = `${outDir}.building-${process.pid}-${Date.now()}`;
  const context = Object.entries(request.context ?? {}).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  const args = [
    'cdk',
    'synth',
    '--app',
    `npx tsx ${request.app}`,
    '--output',
    building,
    '--quiet',
    ...context,
  ];
  const { code, output } = await run('npx', args);
  if (code !== 0) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(`cdk synth of ${request.app} failed (exit ${code}):\n${output.slice(-4000)}`);
  }
  writeFileSync(join(building, MARKER), '');
  try {
    renameSync(building, outDir);
  } catch (error) {
    // Another run finished the same synth first: its assembly is just as good.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(join(outDir, MARKER))) throw error;
  }
  return outDir;
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

function cacheKey(request: SynthRequest): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ app: request.app, context: request.context ?? {} }));
  for (const file of request.sources.flatMap((source) => filesUnder(join(REPO_ROOT, source))).sort()) {
    hash.update(relative(REPO_ROOT, file));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((entry) => entry !== 'node_modules' && !entry.startsWith('.'))
    .flatMap((entry) => filesUnder(join(path, entry)));
}
