/** The local Lambda's asynchronous (Event) invocations: retries, the function's async config, giving up, listeners, and the journal that survives a restart. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AsyncFailureInfo, AsyncJournal, type InvocationEntry } from '#local/lambda/index.ts';

import { start } from '../support/local-lambdas';

describe('LocalLambda', () => {
  it('runs Event invocations in the background and retries failures', async () => {
    const failures: unknown[] = [];
    const fn = start(
      { name: 'async-fn', memoryMb: 128, timeoutSeconds: 3 },
      {
        asyncRetryDelaysMs: [10, 10],
        onAsyncFailure: (event) => failures.push(event),
      },
    );
    const accepted = await fn.invoke({ action: 'throw', message: 'always' }, { invocationType: 'Event' });
    expect(accepted).toMatchObject({ ok: true, value: null });
    await expect.poll(() => failures, { timeout: 5000 }).toEqual([{ action: 'throw', message: 'always' }]);
  });

  it("runs Event invocations (and their retries) within the function's background slots", async () => {
    const fn = start({ name: 'async-in-slots' }, { backgroundConcurrency: 1 });
    const hold = await fn.reserveBackground();
    await fn.invoke({ action: 'sleep', ms: 10 }, { invocationType: 'Event' });
    await new Promise((r) => setTimeout(r, 100));
    expect(fn.stats.background).toMatchObject({ inUse: 1, queued: 1 });
    expect(fn.stats.busy).toBe(0);
    hold();
    await expect
      .poll(() => fn.stats.background.inUse + fn.stats.background.queued, { timeout: 5000 })
      .toBe(0);
  });

  it("applies the function's async config: MaximumRetryAttempts, then gives up with Lambda's condition", async () => {
    const failures: Array<{ event: unknown; info: AsyncFailureInfo; error?: string }> = [];
    const fn = start(
      { name: 'async-config' },
      {
        asyncRetryDelaysMs: [10, 10],
        asyncConfig: { maximumRetryAttempts: 0 },
        onAsyncFailure: (event, result, info) =>
          failures.push({ event, info, ...(result && { error: result.errorMessage }) }),
      },
    );
    await fn.invoke({ action: 'throw', message: 'no retries' }, { invocationType: 'Event' });
    await expect.poll(() => failures.length, { timeout: 5000 }).toBe(1);
    expect(failures[0]).toMatchObject({
      event: { action: 'throw', message: 'no retries' },
      info: { condition: 'RetriesExhausted', approximateInvokeCount: 1 },
      error: 'no retries',
    });
  });

  it('gives an event up as EventAgeExceeded once it is older than MaximumEventAgeInSeconds', async () => {
    const failures: AsyncFailureInfo[] = [];
    const fn = start(
      { name: 'async-age' },
      {
        // The retry comes after the event's (tiny) maximum age.
        asyncRetryDelaysMs: [200, 200],
        asyncConfig: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 0.05 },
        onAsyncFailure: (_event, _result, info) => failures.push(info),
      },
    );
    await fn.invoke({ action: 'throw', message: 'too old' }, { invocationType: 'Event' });
    await expect.poll(() => failures.length, { timeout: 5000 }).toBe(1);
    expect(failures[0]!.condition).toBe('EventAgeExceeded');
  });

  it('reports every attempt of an Event invocation to invocation listeners, under one request id', async () => {
    const entries: InvocationEntry[] = [];
    const failures: AsyncFailureInfo[] = [];
    const fn = start(
      { name: 'async-listened' },
      {
        asyncRetryDelaysMs: [10, 10],
        asyncConfig: { maximumRetryAttempts: 1 },
        onAsyncFailure: (_event, _result, info) => failures.push(info),
      },
    );
    fn.onInvocation((entry) => entries.push(entry));
    const accepted = await fn.invoke({ action: 'throw', message: 'twice' }, { invocationType: 'Event' });
    await expect.poll(() => failures.length, { timeout: 5000 }).toBe(1);
    expect(entries.map((e) => [e.result.requestId, e.result.ok])).toEqual([
      [accepted.requestId, false],
      [accepted.requestId, false],
    ]);
    expect(failures[0]).toMatchObject({ requestId: accepted.requestId, approximateInvokeCount: 2 });
  });

  describe('with a journal (Lambda keeps accepted events across a restart)', () => {
    const journalFn = (file: string, name: string, failures: unknown[] = []) =>
      start(
        { name },
        {
          asyncRetryDelaysMs: [10, 10],
          asyncJournal: new AsyncJournal(file),
          onAsyncFailure: (event) => failures.push(event),
        },
      );

    it('resumes an invocation a stop cut off, and not one that finished or was given up on', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'local-lambda-journal-'));
      try {
        const file = join(dir, 'fn.async.jsonl');
        const failures: unknown[] = [];
        const first = journalFn(file, 'journaled', failures);
        await first.invoke({ action: 'sleep', ms: 1, tag: 'finished' }, { invocationType: 'Event' });
        await first.invoke({ action: 'throw', message: 'given up' }, { invocationType: 'Event' });
        await expect.poll(() => failures.length, { timeout: 5000 }).toBe(1);
        await expect.poll(() => first.stats.background.inUse, { timeout: 5000 }).toBe(0);
        // Still running when the function stops: it stays queued.
        await first.invoke({ action: 'sleep', ms: 3000, tag: 'cut off' }, { invocationType: 'Event' });
        await expect.poll(() => first.stats.busy, { timeout: 5000 }).toBe(1);
        await first.close();

        const second = journalFn(file, 'journaled');
        const entries: InvocationEntry[] = [];
        second.onInvocation((entry) => entries.push(entry));
        expect(second.resumeAsync()).toBe(1);
        await expect.poll(() => entries.length, { timeout: 10_000 }).toBe(1);
        expect(entries[0]).toMatchObject({ event: { tag: 'cut off' }, result: { ok: true } });
        await second.close();

        // Done: nothing left for a third start.
        expect(journalFn(file, 'journaled').resumeAsync()).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
