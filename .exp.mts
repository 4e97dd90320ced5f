import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { coldRunEnvironment, RUNNER } from './bench/cold-init';

const root = process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'cold-exp-'));
const runner = join(dir, 'runner.mjs');
writeFileSync(runner, RUNNER);
const env = {
  ...coldRunEnvironment(),
  POWERTOOLS_SERVICE_NAME: 'x',
  POWERTOOLS_METRICS_NAMESPACE: 'D',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};
function count(file: string): number {
  const out = join(dir, 'cg.out');
  const run = spawnSync(
    'valgrind',
    [
      '--tool=cachegrind',
      '--cache-sim=no',
      `--cachegrind-out-file=${out}`,
      '--smc-check=all-non-file',
      process.execPath,
      runner,
      file,
    ],
    { env, encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(run.stderr.slice(-1500));
  let total = 0,
    random = 0,
    fn = '';
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    if (line.startsWith('fn=')) fn = line;
    else if (/^\d/.test(line)) {
      const c = Number(line.split(' ')[1] ?? 0);
      total += c;
      if (fn.includes('sprp')) random += c;
    }
  }
  return (total - random) / 1e6;
}
const variants: Record<string, string> = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));
for (const [name, source] of Object.entries(variants)) {
  const entry = join(root, `.exp-${name}.ts`);
  writeFileSync(entry, source);
  const outfile = join(dir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    mainFields: ['module', 'main'],
    external: ['@smithy/core/event-streams'],
    logLevel: 'silent',
    alias: {
      '@aws-sdk/credential-provider-node': `${root}/shared/adapters/clients/lambda-credentials.ts`,
      '@aws-sdk/endpoint-cache': `${root}/shared/adapters/clients/lambda-endpoint-cache.ts`,
      'node:stream/web': `${root}/shared/adapters/clients/lambda-stream-web.ts`,
    },
  });
  spawnSync('rm', [entry]);
  const a = count(outfile),
    b = count(outfile);
  console.log(name.padEnd(28), statSync(outfile).size, a.toFixed(1), b.toFixed(1));
}
