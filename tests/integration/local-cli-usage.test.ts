/** `npm start`'s command line: unknown options print the usage, --help lists every environment variable. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start-local.ts', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    timeout: 60_000,
  });

describe('npm start command line', () => {
  it('answers an unknown option with the usage and exit code 2, before starting anything', () => {
    const result = run('--prot', '4000');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Unknown option '--prot'");
    expect(result.stderr).toContain('Usage: npm start -- [options]');
  });

  it('lists every option and every environment variable the local cloud reads in --help', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    const source = ['local/run-cli.ts', 'scripts/start-local.ts']
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const variables = new Set([...source.matchAll(/process\.env\.([A-Z_]+)/g)].map((m) => m[1]!));
    expect(variables.size).toBeGreaterThan(3);
    for (const variable of variables) expect(result.stdout).toContain(variable);
    for (const option of ['--fresh', '--port', '--console-port', '--verbose', '--no-synth'])
      expect(result.stdout).toContain(option);
  });
});
