import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { displayName, functionCode, loadAssembly } from '#local/template/index.ts';

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export interface BundledFunction {
  name: string;
  file: string;
  /** The whole bundle: `file` and the chunks split off it (infra/constructs/diplowire-function.ts). */
  bytes: number;
  environment: Record<string, string>;
}

/** The bundled handler of every Lambda function in the synthesized app, as `cdk deploy` would ship it. */
export function bundledFunctions(cdkOut: string): BundledFunction[] {
  const assembly = loadAssembly(cdkOut);
  const out: BundledFunction[] = [];
  for (const stack of assembly.stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const code = functionCode(stack, resource.Properties?.Code, assembly.dir);
      if (code.kind !== 'directory') continue;
      const file = ['index.mjs', 'index.js'].map((f) => join(code.dir, f)).find((f) => existsSync(f));
      if (!file) continue;
      const variables = (
        resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined
      )?.Variables;
      const environment: Record<string, string> = {};
      for (const [key, value] of Object.entries(variables ?? {})) {
        // Intrinsics (table names, bus names) only need a placeholder to import the module.
        environment[key] = typeof value === 'string' ? value : `bench-${key.toLowerCase()}`;
      }
      const bytes = readdirSync(code.dir).reduce((total, f) => total + statSync(join(code.dir, f)).size, 0);
      out.push({ name: displayName(stack, logicalId), file, bytes, environment });
    }
  }
  return out;
}

const SEED = readFileSync(
  new URL('../tests/fixtures/seed/kuwait-belgium-call.ar.txt', import.meta.url),
  'utf8',
);

/** The seed article as a ninjs item: the realistic payload every bench submits. */
export function seedItem(uri: string): string {
  return JSON.stringify({
    uri,
    language: 'ar',
    headlines: [{ value: SEED.split('\n')[0]!.slice(0, 200) }],
    bodies: [{ contenttype: 'text/plain', value: SEED }],
  });
}

/**
 * Stops a bench cloud without losing the figures already measured: on a loaded machine the cloud can
 * outlast its stop grace and leave its DynamoDB Local to be killed by the harness, which the e2e
 * suite reports as an error. Here it is logged; the JVM is gone either way.
 */
export async function stopKeepingFigures(stop: () => Promise<void>, what: string): Promise<void> {
  try {
    await stop();
  } catch (error) {
    console.error(`bench: stopping the ${what} cloud: ${(error as Error).message}`);
  }
}

/**
 * How loaded the machine was: a raw DynamoDB Local PutItem at concurrency 1 (a few ms on an idle
 * 2-core machine) and the 1-minute load average. Every latency of the run scales with them, so
 * latency figures are only comparable between runs with similar values.
 */
export function machineFigures(cloud: { perConcurrency: { concurrency: number; rawPerSecond: number }[] }) {
  const single = cloud.perConcurrency.find((p) => p.concurrency === 1);
  return {
    rawPutItemMs: single ? round(1000 / single.rawPerSecond, 1) : null,
    loadAverage: round(loadavg()[0] ?? 0, 1),
  };
}

/** The machine's CPU time counters (all cores), from /proc/stat; undefined where there is none. */
function cpuTimes(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, ...fields] = line.trim().split(/\s+/);
    const values = fields.map(Number);
    const idle = (values[3] ?? 0) + (values[4] ?? 0); // idle + iowait
    const total = values.slice(0, 8).reduce((sum, v) => sum + v, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/**
 * How busy the whole machine was between `start()` and `stop()`, as a fraction of all its cores
 * (1 = every core busy all the time). A latency measured near 1 is a queue, not a path: the floor
 * that makes a latency target unreachable on this machine at that load.
 */
export function cpuMeter(): { stop(): number | null } {
  const before = cpuTimes();
  return {
    stop: () => {
      const after = cpuTimes();
      if (!before || !after || after.total === before.total) return null;
      return (after.busy - before.busy) / (after.total - before.total);
    },
  };
}

/** Each webhook-bench loop's pace in the paced run: 4 loops at 2 items a second. */
export const WEBHOOK_PACE_MS = Number(process.env.BENCH_WEBHOOK_PACE_MS ?? 500);
/** Each feed partner's pace in the paced run: 4 partners at 2 items a second, a very busy wire. */
export const FEED_PACE_MS = Number(process.env.BENCH_FEED_PACE_MS ?? 500);
