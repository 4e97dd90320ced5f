/**
 * Cold init counted in instructions instead of milliseconds (`npx tsx bench/cold-instructions.ts
 * [name…]`, after `npx cdk synth`; needs valgrind). On a shared machine the wall-clock ratios of bench/cold.ts
 * swing by several percent from run to run; the instructions executed to start `node` and import a
 * bundle are the same from run to run (±0.3%), so a change of 1% shows. Same runner, same reference
 * and same environment as bench/cold.ts. Instructions are not time: a ratio here is roughly twice
 * the wall-clock excess on a quiet machine (docs/operations.md, "Cold starts").
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleSdkFloor, coldRunEnvironment, RUNNER } from './cold-init';
import { bundledFunctions, round } from './support';

// Arguments (optional) pick functions by part of their name, e.g. `translator dispatcher`: a run of
// all twelve takes minutes under valgrind; the reference is measured every time.
const only = process.argv.slice(2).map((a) => a.toLowerCase());
const functions = bundledFunctions(join(process.cwd(), 'cdk.out')).filter(
  (f) => only.length === 0 || only.some((part) => f.name.toLowerCase().includes(part)),
);
if (functions.length === 0)
  throw new Error('no (matching) bundled functions in cdk.out: run `npx cdk synth` first');
if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('valgrind is not installed (apt-get install valgrind)');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'diplowire-cold-instructions-'));
const runner = join(dir, 'runner.mjs');
writeFileSync(runner, RUNNER);
const env = coldRunEnvironment();

/** Millions of instructions to start node and import the bundle, all threads. */
function instructions(file: string, environment: Record<string, string>): number {
  const out = join(dir, 'cachegrind.out');
  const run = spawnSync(
    'valgrind',
    [
      '--tool=cachegrind',
      '--cache-sim=no',
      `--cachegrind-out-file=${out}`,
      '--smc-check=all-non-file',
    ].concat([process.execPath, runner, file]),
    { env: { ...env, ...environment }, encoding: 'utf8' },
  );
  if (run.status !== 0)
    throw new Error(`importing ${file} under valgrind failed: ${run.stderr.slice(-2000)}`);
  // Per-function totals: V8 searches a random prime for its hash seed (detail::sprp), a few million
  // instructions that vary from run to run and have nothing to do with the bundle: left out.
  let total = 0;
  let random = 0;
  let fn = '';
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    if (line.startsWith('fn=')) fn = line;
    else if (/^\d/.test(line)) {
      const count = Number(line.split(' ')[1] ?? 0);
      total += count;
      if (fn.includes('sprp')) random += count;
    }
  }
  return (total - random) / 1e6;
}

try {
  const reference = instructions(await bundleSdkFloor(dir), {});
  const ratios: Record<string, number> = {};
  for (const f of functions) {
    const count = instructions(f.file, f.environment);
    ratios[f.name] = round(count / reference, 3);
    console.log([f.name.padEnd(34), round(count, 1), ratios[f.name]].join('\t'));
  }
  console.log(
    JSON.stringify({
      referenceMInstructions: round(reference, 1),
      coldInitInstructionsOverReference: ratios,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
