import { describe, expect, it } from 'vitest';

import { LAMBDAS, start, value } from '../support/local-lambdas';

describe('LocalLambda', () => {
  it('gives each function only its own environment plus the Lambda-defined variables', async () => {
    const a = start(
      { name: 'fn-a', environment: { SECRET: 'a-secret', ONLY_A: '1' } },
      { extraEnv: { AWS_REGION: 'eu-west-1' } },
    );
    const b = start({ name: 'fn-b', environment: { SECRET: 'b-secret', ONLY_B: '1' }, memoryMb: 192 });
    const [envA, envB] = await Promise.all([a.invoke({ action: 'env' }), b.invoke({ action: 'env' })]);
    expect(value(envA)).toEqual({
      functionName: 'fn-a',
      secret: 'a-secret',
      onlyA: '1',
      onlyB: null,
      region: 'eu-west-1',
      handlerVar: 'actions.handler',
      taskRoot: LAMBDAS,
      memory: '256',
    });
    expect(value(envB)).toMatchObject({
      functionName: 'fn-b',
      secret: 'b-secret',
      onlyA: null,
      onlyB: '1',
      memory: '192',
    });
    // The parent process is untouched.
    expect(process.env.SECRET).toBeUndefined();
  });

  it('starts cold, then reuses the warm environment (module state survives)', async () => {
    const lines: string[] = [];
    const fn = start({}, { lines });
    const first = await fn.invoke({ action: 'state' });
    const second = await fn.invoke({ action: 'state' });
    expect(first.coldStart).toBe(true);
    expect(first.initDurationMs).toBeGreaterThan(0);
    expect(second.coldStart).toBe(false);
    expect(second.initDurationMs).toBeUndefined();
    const [s1, s2] = [
      value<{ loadedAt: number; invocations: number }>(first),
      value<{ loadedAt: number; invocations: number }>(second),
    ];
    expect(s2.loadedAt).toBe(s1.loadedAt);
    expect(s2.invocations).toBe(s1.invocations + 1);
    expect(lines.filter((l) => l.includes(first.requestId))).toEqual([
      expect.stringMatching(
        new RegExp(`^fn-under-test ${first.requestId} [\\d.]+ms cold \\(Init Duration: [\\d.]+ms\\) ok$`),
      ),
    ]);
    expect(
      lines.some((l) => l.startsWith(`fn-under-test ${second.requestId}`) && l.includes(' warm ok')),
    ).toBe(true);
  });

  it('terminates a timed-out environment; the next invocation is cold', async () => {
    const fn = start({ timeoutSeconds: 1 });
    await fn.invoke({ action: 'state' });
    const timedOut = await fn.invoke({ action: 'sleep', ms: 5000 });
    expect(timedOut).toMatchObject({
      ok: false,
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 1.00 seconds',
      timedOut: true,
      coldStart: false,
    });
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(990);
    expect(timedOut.durationMs).toBeLessThan(3000);
    const next = await fn.invoke({ action: 'state' });
    expect(next.coldStart).toBe(true);
    expect(value<{ invocations: number }>(next).invocations).toBe(1);
  });

  it('returns a thrown error as errorType/errorMessage and keeps the environment warm', async () => {
    const fn = start();
    const failed = await fn.invoke({ action: 'throw', name: 'ValidationError', message: 'bad input' });
    expect(failed).toMatchObject({ ok: false, errorType: 'ValidationError', errorMessage: 'bad input' });
    expect(failed.ok === false && failed.timedOut).toBeFalsy();
    const after = await fn.invoke({ action: 'state' });
    expect(after.coldStart).toBe(false);
  });

  it('passes a context whose remaining time decreases', async () => {
    const fn = start({ name: 'ctx-fn', timeoutSeconds: 3, memoryMb: 320 });
    const result = await fn.invoke({ action: 'remaining' });
    const ctx = value<Record<string, unknown> & { first: number; second: number }>(result);
    expect(ctx.first).toBeLessThanOrEqual(3000);
    expect(ctx.first).toBeGreaterThan(2000);
    expect(ctx.first - ctx.second).toBeGreaterThanOrEqual(140);
    expect(ctx).toMatchObject({
      requestId: result.requestId,
      functionName: 'ctx-fn',
      functionVersion: '$LATEST',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:ctx-fn',
      memoryLimitInMB: '320',
      logGroupName: '/aws/lambda/ctx-fn',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(ctx.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
  });

  it('supports callback-style handlers', async () => {
    const fn = start({ handler: 'callback.handler' });
    expect(value(await fn.invoke({ n: 21 }))).toEqual({ doubled: 42 });
    expect(await fn.invoke({ fail: true })).toMatchObject({
      ok: false,
      errorType: 'Error',
      errorMessage: 'callback failure',
    });
  });

  it('never runs more environments than the concurrency limit; extra invocations queue', async () => {
    const fn = start({}, { maxConcurrency: 2 });
    let maxBusy = 0;
    const probe = setInterval(() => {
      maxBusy = Math.max(maxBusy, fn.stats.busy);
    }, 5);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => fn.invoke({ action: 'sleep', ms: 250 })),
    );
    clearInterval(probe);
    const spans = results.map((r) => value<{ start: number; end: number }>(r));
    // The most handlers running at one instant: count the spans open at each span's start.
    const maxOverlap = Math.max(
      ...spans.map((s) => spans.filter((o) => o.start <= s.start && s.start < o.end).length),
    );
    expect(maxOverlap).toBeLessThanOrEqual(2);
    expect(maxBusy).toBe(2);
    expect(results.filter((r) => r.coldStart)).toHaveLength(2);
    expect(fn.stats).toMatchObject({ limit: 2, environments: 2, idle: 2, queued: 0 });
  });

  it('honours reserved concurrency and lets tryInvoke report throttling instead of queueing', async () => {
    const fn = start({ reservedConcurrency: 1 }, { maxConcurrency: 5 });
    const slow = fn.invoke({ action: 'sleep', ms: 400 });
    await new Promise((r) => setTimeout(r, 50));
    const throttled = await fn.tryInvoke({ action: 'state' });
    expect(throttled).toMatchObject({ ok: false, throttled: true, errorType: 'TooManyRequestsException' });
    expect((await slow).ok).toBe(true);
    expect((await fn.tryInvoke({ action: 'state' })).ok).toBe(true);
  });

  it('fails an invocation that exceeds the memory limit with Runtime.OutOfMemory', async () => {
    const fn = start({ memoryMb: 64, timeoutSeconds: 20 });
    const result = await fn.invoke({ action: 'allocate' });
    expect(result).toMatchObject({ ok: false, errorType: 'Runtime.OutOfMemory' });
    // The crashed environment is replaced by a fresh one.
    const next = await fn.invoke({ action: 'state' });
    expect(next).toMatchObject({ ok: true, coldStart: true });
  });

  it('reports Init errors and missing handlers, and recovers on a later invocation', async () => {
    const broken = start({ handler: 'init-error.handler' });
    expect(await broken.invoke({})).toMatchObject({
      ok: false,
      coldStart: true,
      errorType: 'Error',
      errorMessage: 'REQUIRED_SETTING is not set',
    });
    const fixed = start({ handler: 'init-error.handler', environment: { REQUIRED_SETTING: 'x' } });
    expect(value(await fixed.invoke({}))).toBe('configured');
    expect(await start({ handler: 'actions.nope' }).invoke({})).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
    });
    expect(await start({ handler: 'missing.handler' }).invoke({})).toMatchObject({
      errorType: 'Runtime.ImportModuleError',
    });
  });

  it('treats an unhandled rejection as fatal for the environment', async () => {
    const fn = start();
    expect(await fn.invoke({ action: 'unhandled' })).toMatchObject({
      ok: false,
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: 'nobody catches this',
    });
    expect((await fn.invoke({ action: 'state' })).coldStart).toBe(true);
  });

  it('forwards the function output line by line, prefixed with its name', async () => {
    const lines: string[] = [];
    const fn = start({ name: 'chatty' }, { lines });
    const logged = await fn.invoke({ action: 'log' });
    expect(value(logged)).toBe('logged');
    // An invocation's output is logged in the order written (both streams, any encoding) and before
    // its outcome, as in its log stream.
    expect(lines.filter((l) => !l.includes('INIT'))).toEqual([
      'chatty hello from chatty',
      'chatty to stderr',
      'chatty back to stdout',
      expect.stringMatching(new RegExp(`^chatty ${logged.requestId} .* ok$`)),
    ]);
    // Output written after the result (a timer) still arrives, and a line is logged only once whole.
    expect(value(await fn.invoke({ action: 'log-after' }))).toBe('returned');
    await expect.poll(() => lines.at(-1)).toBe('chatty half a line, finished later');
  });

  it("schedules background invocations per function: a backlog on one never delays another's", async () => {
    const busy = start({ name: 'busy' }, { backgroundConcurrency: 1 });
    const other = start({ name: 'other' }, { backgroundConcurrency: 1 });
    await Promise.all([busy.invoke({ action: 'state' }), other.invoke({ action: 'state' })]);
    const backlog = [1, 2, 3].map(() => busy.invoke({ action: 'sleep', ms: 300 }, { background: true }));
    await new Promise((r) => setTimeout(r, 50));
    expect(busy.stats.background).toEqual({ size: 1, inUse: 1, queued: 2 });
    const span = value<{ start: number; end: number }>(
      await other.invoke({ action: 'sleep', ms: 1 }, { background: true }),
    );
    const spans = (await Promise.all(backlog)).map((r) => value<{ start: number; end: number }>(r));
    // The other function ran while the busy one still had its backlog waiting.
    expect(span.end).toBeLessThanOrEqual(spans[2]!.start);
    // One slot: the busy function's invocations ran one after the other.
    expect(spans[1]!.start).toBeGreaterThanOrEqual(spans[0]!.end);
    expect(spans[2]!.start).toBeGreaterThanOrEqual(spans[1]!.end);
  });

  it('keeps an execution environment for API invocations: they never wait behind background work', async () => {
    const fn = start({ name: 'shared' }, { maxConcurrency: 3, backgroundConcurrency: 10 });
    // The background share is capped below the concurrency limit.
    expect(fn.stats.background.size).toBe(2);
    // Three warm environments, so no cold start is timed below.
    await Promise.all([1, 2, 3].map(() => fn.invoke({ action: 'sleep', ms: 50 })));
    const background = [1, 2, 3, 4].map(() => fn.invoke({ action: 'sleep', ms: 800 }, { background: true }));
    await new Promise((r) => setTimeout(r, 100));
    expect(fn.stats.background).toMatchObject({ inUse: 2, queued: 2 });
    const api = value<{ start: number; end: number }>(await fn.invoke({ action: 'sleep', ms: 1 }));
    const spans = (await Promise.all(background)).map((r) => value<{ start: number; end: number }>(r));
    // The API invocation ran while the first background pair was still running.
    expect(api.end).toBeLessThanOrEqual(Math.max(spans[0]!.end, spans[1]!.end));
  });

  it('runs a fair share of background work at once even when more is reserved, and lends the slot of a long run', async () => {
    const fn = start({ name: 'lender', reservedConcurrency: 3 }, { backgroundConcurrency: 1 });
    expect(fn.stats.background.size).toBe(1);
    type Span = { start: number; end: number };
    // Quick invocations run one at a time: the share, not the reservation.
    const quick = await Promise.all(
      [1, 2, 3].map(() => fn.invoke({ action: 'sleep', ms: 50 }, { background: true })),
    );
    const quickSpans = quick.map((r) => value<Span>(r)).sort((a, b) => a.start - b.start);
    expect(quickSpans[1]!.start).toBeGreaterThanOrEqual(quickSpans[0]!.end);
    expect(quickSpans[2]!.start).toBeGreaterThanOrEqual(quickSpans[1]!.end);
    // A run past a second lends its slot: the next starts while it still runs, up to the reservation.
    const long = [1, 2, 3, 4].map(() => fn.invoke({ action: 'sleep', ms: 2500 }, { background: true }));
    await new Promise((r) => setTimeout(r, 300));
    expect(fn.stats.background).toMatchObject({ inUse: 1, queued: 3 });
    const spans = (await Promise.all(long)).map((r) => value<Span>(r)).sort((a, b) => a.start - b.start);
    expect(spans[1]!.start - spans[0]!.start).toBeGreaterThanOrEqual(900);
    expect(spans[1]!.start).toBeLessThan(spans[0]!.end);
    expect(spans[2]!.start).toBeLessThan(spans[0]!.end);
    // Never more than the reservation: the fourth waited for the first to end.
    expect(spans[3]!.start).toBeGreaterThanOrEqual(spans[0]!.end);
  });

  it('initialises at most maxInitializing environments at once for event-driven work, never for the API', async () => {
    const fn = start(
      { name: 'burst', environment: { INIT_DELAY_MS: '400' } },
      { backgroundConcurrency: 6, maxInitializing: 1 },
    );
    const seen: number[] = [];
    const sampler = setInterval(() => seen.push(fn.stats.initializing), 2);
    try {
      const burst = [1, 2, 3, 4].map(() => fn.invoke({ action: 'sleep', ms: 1 }, { background: true }));
      // One environment in its (400 ms) Init phase; the other three wait for the first free one.
      await expect.poll(() => fn.stats.queued).toBe(3);
      expect(fn.stats).toMatchObject({ environments: 1, initializing: 1 });
      // An API invocation starts its own environment at once.
      const api = fn.tryInvoke({ action: 'state' });
      expect(fn.stats).toMatchObject({ environments: 2, initializing: 2 });
      expect((await api).ok).toBe(true);
      const results = await Promise.all(burst);
      expect(results.every((r) => r.ok)).toBe(true);
      // The burst never had two Inits of its own at once: the API's was the only second one.
      expect(Math.max(...seen)).toBeLessThanOrEqual(2);
      expect(results.filter((r) => r.coldStart).length).toBeLessThan(4);
    } finally {
      clearInterval(sampler);
    }
  });
});
