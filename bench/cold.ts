/**
 * The cold-init part of `npm run bench` alone (`npx tsx bench/cold.ts`, after `npx cdk synth`):
 * per function, init time over hello-world and over the bare DynamoDBClient reference, one run.
 */
import { join } from 'node:path';
import { measureColdInit } from './cold-init';
import { bundledFunctions, round } from './support';

const functions = bundledFunctions(join(process.cwd(), 'cdk.out'));
if (functions.length === 0) throw new Error('no bundled functions in cdk.out: run `npx cdk synth` first');
const cold = await measureColdInit(functions, Number(process.env.BENCH_COLD_RUNS ?? 25));
for (const f of cold.functions) {
  console.log(
    [
      f.name.padEnd(34),
      functions.find((g) => g.name === f.name)!.bytes,
      round(f.medianMs, 1),
      round(f.ratio, 3),
      round(f.overReference, 3),
    ].join('\t'),
  );
}
console.log(
  JSON.stringify({
    referenceMs: round(cold.sdkFloor.medianMs, 1),
    coldInitOverReference: Object.fromEntries(cold.functions.map((f) => [f.name, round(f.overReference, 3)])),
  }),
);
