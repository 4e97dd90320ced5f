/**
 * `npm run bench`: measures the shipped artefacts and prints a table, then ONE JSON line (last line).
 * Every timing is reported as a ratio to a baseline measured in the same run, because the
 * machines are shared and noisy; absolute milliseconds are printed for context only.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSynth } from '../local/synth';
import { measureColdInit } from './cold-init';
import { measureSubmit } from './submit';
import { bundledFunctions, round } from './support';

const CDK_OUT = join(process.cwd(), 'cdk.out');
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 25);
const SUBMIT_ITERATIONS = Number(process.env.BENCH_SUBMIT_ITERATIONS ?? 200);

const TARGETS = { bundleBytes: 300 * 1000, coldInitRatio: 1.6, submitWarmP50Ratio: 2.0 };

function row(cells: (string | number)[]): string {
  return cells.map((c, i) => String(c).padEnd(i === 0 ? 34 : 14)).join(' ');
}

async function main() {
  ensureSynth(CDK_OUT);
  const functions = bundledFunctions(CDK_OUT);
  if (functions.length === 0) throw new Error('no bundled functions found in cdk.out');

  const bundles: Record<string, number> = {};
  for (const f of functions) bundles[f.name] = statSync(f.file).size;

  const cold = measureColdInit(functions, COLD_RUNS);
  const coldInitRatio: Record<string, number> = {};
  for (const f of cold.functions) coldInitRatio[f.name] = round(f.ratio, 3);

  const itemsWrite = functions.find((f) => /items-?write/i.test(f.name));
  if (!itemsWrite) throw new Error('items-write function not found');
  const submit = await measureSubmit(itemsWrite.file, SUBMIT_ITERATIONS);

  console.log(row(['function', 'bundle bytes', 'cold init ms', 'cold ratio']));
  for (const f of cold.functions) {
    console.log(row([f.name, bundles[f.name]!, round(f.medianMs, 1), round(f.ratio, 3)]));
  }
  console.log(row(['hello-world (baseline)', '-', round(cold.helloMedianMs, 1), 1]));
  console.log('');
  console.log(row(['submit warm p50 ms', round(submit.submitP50Ms, 2)]));
  console.log(row(['bare PutItem p50 ms', round(submit.putP50Ms, 2)]));
  console.log(row(['submitWarmP50Ratio', round(submit.ratio, 3)]));
  const misses = [
    ...Object.entries(bundles)
      .filter(([, b]) => b > TARGETS.bundleBytes)
      .map(([n, b]) => `bundle ${n} ${b} B > ${TARGETS.bundleBytes}`),
    ...Object.entries(coldInitRatio)
      .filter(([, r]) => r > TARGETS.coldInitRatio)
      .map(([n, r]) => `coldInitRatio ${n} ${r} > ${TARGETS.coldInitRatio}`),
    ...(submit.ratio > TARGETS.submitWarmP50Ratio
      ? [`submitWarmP50Ratio ${round(submit.ratio, 3)} > ${TARGETS.submitWarmP50Ratio}`]
      : []),
  ];
  console.log(misses.length === 0 ? '\nall targets met' : `\ntargets missed:\n  ${misses.join('\n  ')}`);
  console.log(JSON.stringify({ bundles, coldInitRatio, submitWarmP50Ratio: round(submit.ratio, 3) }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
