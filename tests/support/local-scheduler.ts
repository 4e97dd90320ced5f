/**
 * A local EventBridge Scheduler on a free loopback port with a real, unmodified SchedulerClient
 * (tests/integration/local-scheduler-*.test.ts): its target invocations and dead letters recorded,
 * and everything started closed after each test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CreateScheduleCommandInput, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterEach } from 'vitest';
import { LocalScheduler, type LocalSchedulerOptions, type TargetInput } from '#local/scheduler/index.ts';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:release`;
export const DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:release-dlq`;
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/scheduler`;

export interface Invocation {
  target: TargetInput;
  payload: string;
  at: number;
}

export interface Harness {
  scheduler: LocalScheduler;
  client: SchedulerClient;
  endpoint: string;
  invocations: Invocation[];
  deadLetters: Array<{ arn: string; body: string; attributes: Record<string, string> }>;
  dataDir: string;
}

const open: Harness[] = [];
const tempDirs: string[] = [];

/** Closes every scheduler a test started and removes its directories (register once per file). */
export function closeSchedulersAfterEach(): void {
  afterEach(async () => {
    for (const h of open.splice(0)) {
      h.client.destroy();
      await h.scheduler.close();
    }
    for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'diplowire-scheduler-'));
  tempDirs.push(dir);
  return dir;
}

export async function start(
  options: Partial<LocalSchedulerOptions> & { dataDir?: string; failWith?: () => Error | undefined } = {},
): Promise<Harness> {
  const invocations: Invocation[] = [];
  const deadLetters: Harness['deadLetters'] = [];
  const dataDir = options.dataDir ?? tempDir();
  const scheduler = new LocalScheduler({
    region: REGION,
    accountId: ACCOUNT,
    dataDir,
    retryBaseDelayMs: 10,
    invokeTarget: async (target, payload) => {
      invocations.push({ target, payload, at: Date.now() });
      const error = options.failWith?.();
      if (error) throw error;
    },
    sendToDeadLetter: async (arn, body, attributes) => {
      deadLetters.push({ arn, body, attributes });
    },
    ...options,
  });
  const endpoint = await scheduler.listen(0);
  const client = new SchedulerClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const harness = { scheduler, client, endpoint, invocations, deadLetters, dataDir };
  open.push(harness);
  return harness;
}

export async function stop(h: Harness): Promise<void> {
  open.splice(open.indexOf(h), 1);
  h.client.destroy();
  await h.scheduler.close();
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(20);
  }
}

/** `at(...)` for an instant, written in UTC. */
export const atExpression = (ms: number) => `at(${new Date(ms).toISOString().slice(0, 19)})`;
/** The next whole second at least `ms` from now. */
export const wholeSecondIn = (ms: number) => Math.ceil((Date.now() + ms) / 1000) * 1000;

export const schedule = (
  overrides: Partial<CreateScheduleCommandInput> = {},
): CreateScheduleCommandInput => ({
  Name: 'release-itm-1',
  ScheduleExpression: 'at(2099-01-01T00:00:00)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: JSON.stringify({ itemId: 'itm-1' }) },
  ...overrides,
});
