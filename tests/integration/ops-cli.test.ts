/**
 * The operator CLI as a process, on the deployed-stage path (no --local): with no AWS credentials it
 * stops with exit 1 and says what to do, before doing anything else. (The e2e suite drives every
 * command against the local cloud: tests/e2e/ops.test.ts.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'diplowire-ops-nocreds-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Everything the SDK's default chain could find credentials in, taken away. */
function withoutCredentials(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
  return {
    ...env,
    HOME: home,
    AWS_REGION: 'eu-west-1',
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    NODE_NO_WARNINGS: '1',
  };
}

function ops(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/ops/cli.ts', ...args],
      { cwd: ROOT, env: withoutCredentials(), timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run ops against a deployed stage', () => {
  it('without credentials: exit 1, a message that says how to fix it, nothing on stdout', async () => {
    const result = await ops(['status', '--stage', 'prod', '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ops: no AWS credentials .*--local/m);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.stdout).toBe('');
  }, 90_000);

  it('refuses a stage name that cannot be one (exit 2)', async () => {
    const result = await ops(['dlq', 'list', '--stage', 'Prod!']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--stage must be a stage name');
  }, 90_000);
});
