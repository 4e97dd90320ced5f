/**
 * The release schedules adapter (shared/adapters/scheduler/release-schedules.ts) against the local
 * EventBridge Scheduler, through the unmodified `@aws-sdk/client-scheduler`: what a held item's
 * one-time schedule looks like, how it moves and goes, and that it fires before the embargo time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalScheduler } from '#local/scheduler/index.ts';
import { ReleaseSchedules } from '#shared/adapters/scheduler/release-schedules.ts';

const GROUP = 'diplowire-test-releases';
const config = {
  groupName: GROUP,
  targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:diplowire-test-embargo-release',
  roleArn: 'arn:aws:iam::123456789012:role/release-scheduler',
  deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:diplowire-test-release-dlq',
};

let dataDir: string;
let scheduler: LocalScheduler;
let client: SchedulerClient;
/** What the scheduler invoked: the payload (the schedule's input) and when. */
const fired: { input: { itemId: string; releaseAt: string }; at: number }[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'diplowire-release-schedules-'));
  scheduler = new LocalScheduler({
    region: 'us-east-1',
    accountId: '123456789012',
    dataDir,
    invokeTarget: async (_target, payload) => {
      fired.push({ input: JSON.parse(payload), at: Date.now() });
    },
    sendToDeadLetter: async () => undefined,
  });
  client = new SchedulerClient({
    endpoint: await scheduler.listen(0),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(new CreateScheduleGroupCommand({ Name: GROUP }));
});

afterAll(async () => {
  client.destroy();
  await scheduler.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const get = (itemId: string) =>
  client.send(new GetScheduleCommand({ GroupName: GROUP, Name: `release-${itemId}` }));

describe('ReleaseSchedules', () => {
  it("sets a held item's schedule for the minute before its embargo's minute, moves it, and removes it", async () => {
    // A clock far ahead, so the local Scheduler does not fire these during the test.
    const schedules = new ReleaseSchedules(client, config, () => Date.parse('2030-01-01T08:00:10Z'));
    await schedules.put('itm_A', '2030-01-01T09:00:30.500Z');
    const set = await get('itm_A');
    expect(set).toMatchObject({
      ScheduleExpression: 'at(2030-01-01T08:59:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: config.targetArn,
        RoleArn: config.roleArn,
        DeadLetterConfig: { Arn: config.deadLetterArn },
        RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
      },
    });
    expect(JSON.parse(set.Target!.Input!)).toEqual({
      itemId: 'itm_A',
      releaseAt: '2030-01-01T09:00:30.500Z',
    });

    // Moved: the same schedule, updated.
    await schedules.put('itm_A', '2030-01-01T12:00:00.000Z');
    const moved = await get('itm_A');
    expect(moved.ScheduleExpression).toBe('at(2030-01-01T11:59:00)');
    expect(JSON.parse(moved.Target!.Input!).releaseAt).toBe('2030-01-01T12:00:00.000Z');
    expect(moved.CreationDate).toEqual(set.CreationDate);

    await schedules.remove('itm_A');
    await expect(get('itm_A')).rejects.toBeInstanceOf(ResourceNotFoundException);
    await schedules.remove('itm_A'); // absent is fine
  });

  it('an embargo closer than a minute: set 2 s ahead, never in the past, and fired before the time', async () => {
    const schedules = new ReleaseSchedules(client, config);
    const releaseAt = new Date(Date.now() + 8_000).toISOString();
    const writtenAt = Date.now();
    await schedules.put('itm_B', releaseAt);
    const { ScheduleExpression } = await get('itm_B');
    const at = Date.parse(`${ScheduleExpression!.slice(3, -1)}Z`);
    expect(at).toBeGreaterThanOrEqual(writtenAt + 2_000);
    expect(at).toBeLessThan(Date.parse(releaseAt));

    await expect.poll(() => fired.find((f) => f.input.itemId === 'itm_B'), { timeout: 15_000 }).toBeDefined();
    const invocation = fired.find((f) => f.input.itemId === 'itm_B')!;
    expect(invocation.input).toEqual({ itemId: 'itm_B', releaseAt });
    // The releaser gets it before the embargo time and waits for it (release-service.ts).
    expect(invocation.at).toBeLessThan(Date.parse(releaseAt));
  });
});
