import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqsEngine } from '#local/sqs/index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sqs-journal-'));
  dirs.push(dir);
  return dir;
}

function engine(dir: string) {
  return new SqsEngine({
    queues: [{ name: 'jobs', visibilityTimeoutSeconds: 30 }],
    region: 'us-east-1',
    accountId: '000000000000',
    dataDir: dir,
    log: () => {},
  });
}

const bodies = (sqs: SqsEngine) => sqs.messages('jobs').map((m) => m.body);
/** Lets the engine's end-of-tick flush run. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SqsEngine persistence', () => {
  it('journals sends, receives and deletes so a restart (or a crash after the tick) finds the same queue', async () => {
    const dir = dataDir();
    const first = engine(dir);
    for (const body of ['a', 'b', 'c']) first.send('jobs', { body });
    const [received] = await first.receive('jobs', { waitTimeSeconds: 0 });
    first.deleteMessage('jobs', received!.receiptHandle);
    const [inFlight] = await first.receive('jobs', { waitTimeSeconds: 0 });
    await tick();
    // No close(): what a SIGKILL leaves behind.
    expect(existsSync(join(dir, 'jobs.journal'))).toBe(true);

    const second = engine(dir);
    expect(bodies(second)).toEqual(['b', 'c']);
    const restored = second.messages('jobs').find((m) => m.body === 'b')!;
    expect(restored.state).toBe('inFlight');
    expect(restored.receiveCount).toBe(1);
    // The old receipt handle still deletes the in-flight message: its nonce was journalled.
    second.deleteMessage('jobs', inFlight!.receiptHandle);
    expect(bodies(second)).toEqual(['c']);
    // Sequence numbers continue after the journalled ones, so arrival order holds.
    second.send('jobs', { body: 'd' });
    expect(bodies(second)).toEqual(['c', 'd']);
    second.close();
    first.close();
  });

  it('ignores a journal line cut short by a crash and keeps everything before it', async () => {
    const dir = dataDir();
    const first = engine(dir);
    first.send('jobs', { body: 'kept' });
    await tick();
    const journal = join(dir, 'jobs.journal');
    writeFileSync(journal, `${readFileSync(journal, 'utf8')}{"put":{"messageId":"x","bo`);
    const second = engine(dir);
    expect(bodies(second)).toEqual(['kept']);
    second.close();
    first.close();
  });

  it('folds a journal that outgrew the queue into a snapshot, and a purge empties the queue for good', async () => {
    const dir = dataDir();
    const first = engine(dir);
    for (const body of ['stays-1', 'stays-2']) first.send('jobs', { body });
    // Churn: every message is sent, then received and deleted (two journal lines each).
    for (let i = 0; i < 600; i++) {
      first.send('jobs', { body: `churn-${i}` });
      await tick();
      const [message] = (await first.receive('jobs', { waitTimeSeconds: 0, maxNumberOfMessages: 10 })).filter(
        (r) => r.message.body === `churn-${i}`,
      );
      first.deleteMessage('jobs', message!.receiptHandle);
      await tick();
    }
    expect(existsSync(join(dir, 'jobs.json'))).toBe(true);
    const journalLines = readFileSync(join(dir, 'jobs.journal'), 'utf8').trim().split('\n').length;
    expect(journalLines).toBeLessThan(1_000);
    expect(bodies(engine(dir))).toEqual(['stays-1', 'stays-2']);

    first.purge('jobs');
    await tick();
    expect(existsSync(join(dir, 'jobs.journal'))).toBe(false);
    expect(bodies(engine(dir))).toEqual([]);
    first.close();
  });
});
