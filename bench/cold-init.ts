import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_TARGET } from '#infra/constructs/diplowire-function.ts';
import type { BundledFunction } from './support';
import { median } from './support';

/** The environment every cold run gets (the functions' own variables are added to it). */
export function coldRunEnvironment(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    // Lambda runs nodejs24.x, where the SDK prints no Node-version warning; this machine runs Node 20.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export const RUNNER = `import { pathToFileURL } from 'node:url';
const mod = await import(pathToFileURL(process.argv[2]).href);
if (typeof mod.handler !== 'function') { console.error('no handler export'); process.exit(3); }
`;

const HELLO = 'export const handler = async () => ({ statusCode: 200, body: "hello" });\n';

/** A reference, not a target: what one bare SDK client costs, bundled the way the functions are. */
const SDK_FLOOR = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async () => client.config.serviceId;
`;

export async function bundleSdkFloor(dir: string): Promise<string> {
  const entry = join(dir, 'sdk-floor.mjs');
  const outfile = join(dir, 'sdk-floor.bundle.mjs');
  writeFileSync(entry, SDK_FLOOR);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: BUNDLE_TARGET,
    mainFields: ['module', 'main'],
    nodePaths: [join(process.cwd(), 'node_modules')],
    alias: {
      '@aws-sdk/credential-provider-node': join(
        process.cwd(),
        'shared/adapters/clients/lambda-credentials.ts',
      ),
    },
    external: ['@smithy/core/event-streams'],
    logLevel: 'silent',
  });
  return outfile;
}

/**
 * Time to start `node` and import a bundled handler (module scope included: clients, config),
 * as a ratio to the same for a hello-world handler (`ratio`, medians of interleaved rounds) and
 * to the bare-client reference (`overReference`). The reference runs right next to each function
 * in every round, before it in one round and after it in the next, and `overReference` is the
 * median of those pairs' ratios: a pair shares the machine's state of that second, so a load that
 * comes and goes moves both alike instead of whichever subject happened to run under it.
 */
export async function measureColdInit(functions: BundledFunction[], runs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'diplowire-cold-'));
  try {
    const floor = {
      name: 'reference: bare DynamoDBClient',
      file: await bundleSdkFloor(dir),
      environment: {},
    };
    const runner = join(dir, 'runner.mjs');
    const hello = join(dir, 'hello.mjs');
    writeFileSync(runner, RUNNER);
    writeFileSync(hello, HELLO);
    const baseEnv = coldRunEnvironment();
    const time = (subject: { name: string; file: string; environment: Record<string, string> }) => {
      const started = process.hrtime.bigint();
      const result = spawnSync(process.execPath, [runner, subject.file], {
        env: { ...baseEnv, ...subject.environment },
        encoding: 'utf8',
      });
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.status !== 0) throw new Error(`importing ${subject.name} failed: ${result.stderr}`);
      return elapsed;
    };
    const helloSamples: number[] = [];
    const floorSamples: number[] = [];
    const samples = new Map<string, number[]>(functions.map((f) => [f.name, []]));
    const pairRatios = new Map<string, number[]>(functions.map((f) => [f.name, []]));
    for (let i = 0; i < runs; i++) {
      helloSamples.push(time({ name: 'hello-world', file: hello, environment: {} }));
      for (const f of functions) {
        const referenceFirst = i % 2 === 0;
        const before = time(referenceFirst ? floor : f);
        const after = time(referenceFirst ? f : floor);
        const [referenceMs, functionMs] = referenceFirst ? [before, after] : [after, before];
        floorSamples.push(referenceMs);
        samples.get(f.name)!.push(functionMs);
        pairRatios.get(f.name)!.push(functionMs / referenceMs);
      }
    }
    const helloMedian = median(helloSamples);
    const floorMedian = median(floorSamples);
    return {
      helloMedianMs: helloMedian,
      sdkFloor: { medianMs: floorMedian, ratio: floorMedian / helloMedian },
      functions: functions.map((f) => {
        const medianMs = median(samples.get(f.name)!);
        // Against the bare client: what the function adds on top of the SDK it cannot do without.
        return {
          name: f.name,
          medianMs,
          ratio: medianMs / helloMedian,
          overReference: median(pairRatios.get(f.name)!),
        };
      }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
