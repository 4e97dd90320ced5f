/**
 * Schedules fire on time: EventBridge rules with a ScheduleExpression and Scheduler cron schedules in a
 * time zone, on a clock the test moves (fake timers and Date; the HTTP servers are real).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type EventEnvelope, LocalEventBridge } from '#local/eventbridge/index.ts';
import { LocalScheduler } from '#local/scheduler/index.ts';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const closers: Array<() => Promise<void>> = [];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(async () => {
  vi.useRealTimers();
  for (const close of closers.splice(0)) await close();
});

describe('EventBridge rules with a ScheduleExpression', () => {
  it('fire cron rules at their minutes and rate rules every period from the start, as Scheduled Events', async () => {
    vi.setSystemTime(new Date('2030-01-01T00:07:00Z'));
    const fired: Array<{ target: string; event: EventEnvelope; at: string }> = [];
    const bridge = new LocalEventBridge({
      buses: [],
      rules: [
        {
          name: 'quarter-hourly',
          arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/quarter-hourly`,
          eventBusName: 'default',
          scheduleExpression: 'cron(0/15 * * * ? *)',
          state: 'ENABLED',
          targets: [{ id: 'cron', arn: 'arn:aws:sqs:us-east-1:123456789012:q' }],
        },
        {
          name: 'every-five',
          arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/every-five`,
          eventBusName: 'default',
          scheduleExpression: 'rate(5 minutes)',
          state: 'ENABLED',
          targets: [{ id: 'rate', arn: 'arn:aws:sqs:us-east-1:123456789012:q' }],
        },
        {
          name: 'disabled',
          arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/disabled`,
          eventBusName: 'default',
          scheduleExpression: 'rate(1 minute)',
          state: 'DISABLED',
          targets: [{ id: 'never', arn: 'arn:aws:sqs:us-east-1:123456789012:q' }],
        },
      ],
      archives: [],
      region: REGION,
      accountId: ACCOUNT,
      invokeTarget: async (target, payload) => {
        fired.push({ target: target.id, event: JSON.parse(payload), at: new Date().toISOString() });
      },
      sendToDeadLetter: async () => {},
    });
    await bridge.listen(0);
    closers.push(() => bridge.close());

    await vi.advanceTimersByTimeAsync(9 * 60_000); // to 00:16
    expect(fired.map((f) => [f.target, f.at])).toEqual([
      ['rate', '2030-01-01T00:12:00.000Z'],
      ['cron', '2030-01-01T00:15:00.000Z'],
    ]);
    expect(fired[1]!.event).toMatchObject({
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      time: '2030-01-01T00:15:00Z',
      resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/quarter-hourly`],
      detail: {},
    });
    await vi.advanceTimersByTimeAsync(15 * 60_000); // to 00:31
    expect(fired.map((f) => f.at.slice(11, 16))).toEqual([
      '00:12',
      '00:15',
      '00:17',
      '00:22',
      '00:27',
      '00:30',
    ]);
  });
});

/** A scheduler whose target records when it was invoked (by the fake clock). */
async function startScheduler() {
  const invoked: string[] = [];
  const scheduler = new LocalScheduler({
    region: REGION,
    accountId: ACCOUNT,
    invokeTarget: async () => {
      invoked.push(new Date().toISOString());
    },
    sendToDeadLetter: async () => {},
  });
  await scheduler.listen(0);
  closers.push(() => scheduler.close());
  return { scheduler, invoked };
}

describe('Scheduler cron schedules in a time zone', () => {
  it('fire at the zone wall-clock time and skip the time a daylight-saving change removes', async () => {
    // Paris moves its clocks from 02:00 to 03:00 on Sunday 31 March 2030.
    vi.setSystemTime(new Date('2030-03-29T12:00:00Z'));
    const { scheduler, invoked } = await startScheduler();
    scheduler.api.createSchedule('nightly', {
      ScheduleExpression: 'cron(30 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f`,
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/r`,
      },
    });
    await vi.advanceTimersByTimeAsync(4 * 86_400_000); // to 2 April 12:00 UTC
    expect(invoked).toEqual([
      '2030-03-30T01:30:00.000Z', // 02:30 CET
      // 31 March: 02:30 does not exist in Paris; no invocation
      '2030-04-01T00:30:00.000Z', // 02:30 CEST
      '2030-04-02T00:30:00.000Z',
    ]);
  });

  it('honours StartDate and EndDate and deletes the finished schedule with ActionAfterCompletion DELETE', async () => {
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const { scheduler, invoked } = await startScheduler();
    scheduler.api.createSchedule('window', {
      ScheduleExpression: 'rate(1 hour)',
      StartDate: Date.parse('2030-01-01T02:00:00Z') / 1000,
      EndDate: Date.parse('2030-01-01T04:30:00Z') / 1000,
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f`,
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/r`,
      },
    });
    await vi.advanceTimersByTimeAsync(6 * 3_600_000);
    expect(invoked).toEqual([
      '2030-01-01T02:00:00.000Z',
      '2030-01-01T03:00:00.000Z',
      '2030-01-01T04:00:00.000Z',
    ]);
    expect(scheduler.state.schedules).toEqual([]);
  });
});

describe('a burst of one-time schedules due at the same second (embargoes ending together)', () => {
  it('fires every one at its second, once, each persisted before its target is invoked, then deletes them', async () => {
    vi.setSystemTime(new Date('2030-01-01T08:59:00Z'));
    const dataDir = mkdtempSync(join(tmpdir(), 'scheduler-burst-'));
    closers.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const onDisk = () =>
      JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')) as {
        schedules: unknown[];
        invocations: Array<{ name: string }>;
      };
    const invoked: Array<{ itemId: string; at: string; persisted: boolean }> = [];
    const scheduler = new LocalScheduler({
      region: REGION,
      accountId: ACCOUNT,
      dataDir,
      invokeTarget: async (_target, payload) => {
        const { itemId } = JSON.parse(payload) as { itemId: string };
        const persisted = onDisk().invocations.some((i) => i.name === `release-${itemId}`);
        invoked.push({ itemId, at: new Date().toISOString(), persisted });
      },
      sendToDeadLetter: async () => {},
    });
    await scheduler.listen(0);
    closers.push(() => scheduler.close());
    const items = Array.from({ length: 40 }, (_, n) => `itm-${n}`);
    for (const itemId of items) {
      scheduler.api.createSchedule(`release-${itemId}`, {
        ScheduleExpression: 'at(2030-01-01T09:00:00)',
        ActionAfterCompletion: 'DELETE',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:release`,
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/r`,
          Input: JSON.stringify({ itemId }),
        },
      });
    }
    await vi.advanceTimersByTimeAsync(59_999);
    expect(invoked).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await scheduler.whenIdle();
    expect(invoked.map((i) => i.itemId).sort()).toEqual([...items].sort());
    expect(invoked.every((i) => i.at === '2030-01-01T09:00:00.000Z' && i.persisted)).toBe(true);
    // Finished and deleted, on disk too (the timers' saves land at the end of the turn).
    await new Promise((resolve) => setImmediate(resolve));
    expect(scheduler.state.schedules).toEqual([]);
    expect(onDisk()).toMatchObject({ schedules: [], invocations: [] });
  });
});
