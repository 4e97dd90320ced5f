import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { waitFor } from '#tests/e2e/support/helpers.ts';
import { isAlive, isDynamoDbLocalOf } from '#tests/e2e/support/local-cloud.ts';
import { REPO_ROOT } from '#tests/e2e/support/synth.ts';

/**
 * DynamoDB Local dies with the process that launched it, even when that process is SIGKILLed: a
 * crashed local cloud must not leave a JVM holding the port, the database and a share of the CPU.
 */

describe('DynamoDB Local launched by the local cloud', () => {
  it('carries its label, and exits when its launcher is killed with SIGKILL', async () => {
    // A launcher that starts DynamoDB Local, prints its pid and endpoint, and waits to be killed.
    const script = `
      import { startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
      const ddb = await startDynamoDbLocal({ label: '/tmp/diplowire-launcher-test/dynamodb' });
      console.log(JSON.stringify({ pid: ddb.pid, endpoint: ddb.endpoint }));
      setInterval(() => {}, 1000);
    `;
    const launcher = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    launcher.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitFor(() => output.includes('\n'), 60_000, 'the launcher to report DynamoDB Local', 100);
    const { pid, endpoint } = JSON.parse(output.split('\n')[0]!) as { pid: number; endpoint: string };
    expect(isAlive(pid)).toBe(true);
    // In memory, its label still names the data directory whose cloud it belongs to (the e2e
    // clean-up finds leftover JVMs that way).
    expect(isDynamoDbLocalOf(pid, '/tmp/diplowire-launcher-test')).toBe(true);
    expect(isDynamoDbLocalOf(pid, '/tmp/some-other-cloud')).toBe(false);
    // It answers (DynamoDB Local says 400 to a bare GET).
    expect((await fetch(endpoint)).status).toBe(400);

    launcher.kill('SIGKILL');
    await once(launcher, 'exit');
    // Gone within seconds of its launcher (waitFor throws if it is not).
    await waitFor(() => !isAlive(pid), 15_000, `DynamoDB Local (pid ${pid}) to exit`, 100);
    expect(isAlive(pid)).toBe(false);
  }, 90_000);
});
