import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#tests/e2e/support/synth.ts';

/**
 * DynamoDB Local dies with the process that launched it, even when that process is SIGKILLed: a
 * crashed local cloud must not leave a JVM holding the port, the database and a share of the CPU.
 */

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

describe('DynamoDB Local launched by the local cloud', () => {
  it('exits when its launcher is killed with SIGKILL', async () => {
    // A launcher that starts DynamoDB Local, prints its pid and endpoint, and waits to be killed.
    const script = `
      import { startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
      const ddb = await startDynamoDbLocal();
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
    expect(await waitFor(() => output.includes('\n'), 60_000)).toBe(true);
    const { pid, endpoint } = JSON.parse(output.split('\n')[0]!) as { pid: number; endpoint: string };
    expect(alive(pid)).toBe(true);
    // It answers (DynamoDB Local says 400 to a bare GET).
    expect((await fetch(endpoint)).status).toBe(400);

    launcher.kill('SIGKILL');
    await once(launcher, 'exit');
    expect(await waitFor(() => !alive(pid), 15_000)).toBe(true);
  }, 90_000);
});
