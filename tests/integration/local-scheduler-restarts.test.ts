/** The local EventBridge Scheduler across restarts, and the schedules it creates from the template. */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateScheduleCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { LocalScheduler } from '#local/scheduler/index.ts';
import {
  ACCOUNT,
  atExpression,
  closeSchedulersAfterEach,
  FUNCTION_ARN,
  REGION,
  ROLE_ARN,
  schedule,
  sleep,
  start,
  stop,
  tempDir,
  waitFor,
  wholeSecondIn,
} from '../support/local-scheduler';

closeSchedulersAfterEach();

describe('restarts', () => {
  it('fires a schedule that fell due while stopped once on start, and keeps run-time schedules', async () => {
    const dataDir = tempDir();
    const first = await start({ dataDir });
    const due = wholeSecondIn(800);
    await first.client.send(
      new CreateScheduleCommand(
        schedule({ ScheduleExpression: atExpression(due), ActionAfterCompletion: 'DELETE' }),
      ),
    );
    await first.client.send(
      new CreateScheduleCommand(schedule({ Name: 'later', ScheduleExpression: 'at(2099-01-01T00:00:00)' })),
    );
    await first.client.send(
      new CreateScheduleCommand(schedule({ Name: 'sweeper', ScheduleExpression: 'rate(1 minute)' })),
    );
    await waitFor(() => first.invocations.length === 1);
    await stop(first);
    expect(first.invocations.map((i) => JSON.parse(i.payload))).toEqual([{ itemId: 'itm-1' }]); // the sweeper only
    await sleep(Math.max(0, due + 300 - Date.now()));

    const second = await start({ dataDir });
    await waitFor(() => second.invocations.length >= 1);
    await second.scheduler.whenIdle();
    await sleep(300);
    // The at() schedule fired once; the sweeper, which already ran this minute, did not run again.
    expect(second.invocations).toHaveLength(1);
    expect(second.invocations[0]!.at).toBeGreaterThanOrEqual(due);
    const names = (await second.client.send(new ListSchedulesCommand({}))).Schedules?.map((s) => s.Name);
    expect(names).toEqual(['later', 'sweeper']);
    await stop(second);

    // A third start has nothing due: nothing fires twice.
    const third = await start({ dataDir });
    await sleep(500);
    expect(third.invocations).toHaveLength(0);
  });

  it('refuses to start over a state file it cannot read instead of losing its schedules', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'state.json'), '{"schedules": [');
    expect(
      () =>
        new LocalScheduler({
          region: REGION,
          accountId: ACCOUNT,
          dataDir,
          invokeTarget: async () => {},
          sendToDeadLetter: async () => {},
        }),
    ).toThrow(/state .*state\.json is not readable/);
  });

  it('resumes an invocation a stop cut off during its retries', async () => {
    const dataDir = tempDir();
    let failing = true;
    const first = await start({
      dataDir,
      retryBaseDelayMs: 30_000,
      failWith: () => (failing ? new Error('down') : undefined),
    });
    await first.client.send(
      new CreateScheduleCommand(schedule({ ScheduleExpression: atExpression(wholeSecondIn(200)) })),
    );
    await waitFor(() => first.invocations[0]);
    await stop(first);
    failing = false;

    const second = await start({ dataDir, failWith: () => (failing ? new Error('down') : undefined) });
    await waitFor(() => second.invocations[0]);
    await second.scheduler.whenIdle();
    expect(second.scheduler.invocations()[0]).toMatchObject({ outcome: 'delivered', attempts: 2 });
    expect(second.scheduler.state.invocations).toEqual([]);
  });
});

describe('schedules from the template', () => {
  const template = (due: number) => ({
    groups: [{ name: 'embargo', tags: [] }],
    schedules: [
      {
        name: 'once',
        request: {
          GroupName: 'embargo',
          ScheduleExpression: atExpression(due),
          ActionAfterCompletion: 'DELETE',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: '{"from":"template"}' },
        },
      },
      {
        name: 'ecs',
        request: {
          ScheduleExpression: 'rate(1 hour)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/c', RoleArn: ROLE_ARN },
        },
      },
    ],
  });

  it('creates them, reports the ones it cannot run, and does not re-create a completed one', async () => {
    const dataDir = tempDir();
    const due = wholeSecondIn(500);
    const first = await start({ dataDir, template: template(due) });
    expect(first.scheduler.warnings).toEqual([
      expect.stringMatching(
        /^schedule default\/ecs from the template is not created locally: Target .* is not supported/,
      ),
    ]);
    expect(
      (await first.client.send(new GetScheduleCommand({ Name: 'once', GroupName: 'embargo' }))).State,
    ).toBe('ENABLED');
    await waitFor(() => first.invocations[0]);
    await first.scheduler.whenIdle();
    expect(first.scheduler.state.schedules).toEqual([]); // ActionAfterCompletion DELETE
    await stop(first);

    // The same template again (a restart): the completed schedule stays deleted and does not fire.
    const second = await start({ dataDir, template: template(due) });
    await sleep(300);
    expect(second.invocations).toEqual([]);
    expect(second.scheduler.state.schedules).toEqual([]);
    // A template group is kept; one the template no longer has is deleted.
    expect((await second.client.send(new GetScheduleGroupCommand({ Name: 'embargo' }))).State).toBe('ACTIVE');
    await stop(second);
    const third = await start({ dataDir, template: { groups: [], schedules: [] } });
    await expect(third.client.send(new GetScheduleGroupCommand({ Name: 'embargo' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});
