import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What the synthesized assembly is built from: a change here makes cdk.out stale. */
const SOURCES = ['infra', 'functions', 'shared', 'cdk.json', 'package-lock.json'];

/**
 * Synthesizes the CDK app into `outDir` unless the assembly there is newer than every source file,
 * so `npm start` runs exactly what `cdk deploy` would ship without paying for a synth every time.
 */
export function ensureSynth(outDir: string, log: (line: string) => void = () => {}): void {
  const manifest = join(outDir, 'manifest.json');
  if (existsSync(manifest) && newestMtime(SOURCES) < statSync(manifest).mtimeMs) {
    log(`reusing ${outDir} (newer than infra/, functions/ and shared/)`);
    return;
  }
  log(`synthesizing the CDK app into ${outDir}`);
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', outDir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`cdk synth failed (exit ${result.status})`);
}

function newestMtime(paths: string[]): number {
  let newest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      newest = Math.max(newest, newestMtime(readdirSync(path).map((entry) => join(path, entry))));
    } else newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}
