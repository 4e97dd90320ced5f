/**
 * EventBridge Scheduler in the local cloud (`npm start`): the template's schedules fire their targets,
 * the unmodified SDK creates schedules at run time, and a schedule that falls due while the cloud is
 * killed (SIGKILL) fires once after the restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { Message } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { SCHEDULER_APP } from './fixtures/scheduler-names';
import { localSqsClient, queueCollector, sleep } from './support/helpers';
import { type Endpoints, killLeftoverDynamoDb, type RunningCloud, startCloud } from './support/local-cloud';
import { synthesize } from './support/synth';

const dataDir = mkdtempSync(join(tmpdir(), 'diplowire-e2e-scheduler-'));
let running: RunningCloud | undefined;

afterAll(async () => {
  await running?.stop();
  await killLeftoverDynamoDb(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

const schedulerClient = (endpoints: Endpoints) =>
  new SchedulerClient({
    endpoint: endpoints.scheduler,
    region: endpoints.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

const body = (m: Message) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>;
const sentAt = (m: Message) => Number(m.Attributes?.SentTimestamp);
const atExpression = (ms: number) => `at(${new Date(ms).toISOString().slice(0, 19)})`;

/** A one-time schedule that sends `input` to the app's queue at `due` and then deletes itself. */
const oneTime = (name: string, due: number, input: Record<string, unknown>) =>
  new CreateScheduleCommand({
    Name: name,
    ScheduleExpression: atExpression(due),
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Target: {
      Arn: `arn:aws:sqs:us-east-1:000000000000:${SCHEDULER_APP.firedQueue}`,
      RoleArn: 'arn:aws:iam::000000000000:role/e2e-scheduler',
      Input: JSON.stringify(input),
    },
  });

describe('the local EventBridge Scheduler', () => {
  it('runs the template schedules, SDK-created ones on time, and one due across a SIGKILL once', async () => {
    const cdkOut = await synthesize({
      app: 'tests/e2e/fixtures/scheduler-app.ts',
      sources: [
        'tests/e2e/fixtures/scheduler-app.ts',
        'tests/e2e/fixtures/scheduler-names.ts',
        'cdk.json',
        'package-lock.json',
      ],
    });
    let cloud = await startCloud({ dataDir, cdkOut, fresh: true });
    running = cloud;
    let sqs = localSqsClient(cloud.endpoints);
    let scheduler = schedulerClient(cloud.endpoints);
    try {
      expect(cloud.log()).not.toMatch(/AWS::Scheduler::\w+ is not supported/);
      const listed = (await scheduler.send(new ListSchedulesCommand({ GroupName: SCHEDULER_APP.groupName })))
        .Schedules;
      expect(listed?.map((s) => s.Name)).toHaveLength(2);

      // Template schedules: rate() without StartDate starts at once.
      const fired = queueCollector(sqs, SCHEDULER_APP.firedQueue);
      const fromTemplate = await fired.waitFor(
        (m) => body(m).from === 'template-queue',
        30_000,
        'the template SQS schedule',
      );
      expect(body(fromTemplate).arn).toMatch(
        new RegExp(`^arn:aws:scheduler:us-east-1:000000000000:schedule/${SCHEDULER_APP.groupName}/`),
      );
      const events = queueCollector(sqs, SCHEDULER_APP.eventsQueue);
      const event = body(await events.waitFor(() => true, 30_000, 'the template EventBridge schedule'));
      expect(event).toMatchObject({
        source: SCHEDULER_APP.eventSource,
        'detail-type': 'ScheduleFired',
        detail: { from: 'template-bus' },
      });

      // Run time: a one-time schedule created with the SDK fires at its second, not before.
      const due = Math.ceil((Date.now() + 3000) / 1000) * 1000;
      await scheduler.send(oneTime('runtime-once', due, { from: 'runtime' }));
      const runtime = await fired.waitFor(
        (m) => body(m).from === 'runtime',
        30_000,
        'the SDK-created schedule',
      );
      expect(sentAt(runtime)).toBeGreaterThanOrEqual(due);

      // Across a crash: due while the cloud is down, fired once after it starts again.
      const acrossDue = Math.ceil((Date.now() + 4000) / 1000) * 1000;
      await scheduler.send(oneTime('across-restart', acrossDue, { from: 'across-restart' }));
      scheduler.destroy();
      sqs.destroy();
      await cloud.kill();
      running = undefined;
      await killLeftoverDynamoDb(dataDir);
      await sleep(Math.max(0, acrossDue + 1000 - Date.now()));

      cloud = await startCloud({ dataDir, cdkOut });
      running = cloud;
      sqs = localSqsClient(cloud.endpoints);
      scheduler = schedulerClient(cloud.endpoints);
      const after = queueCollector(sqs, SCHEDULER_APP.firedQueue);
      const late = await after.waitFor(
        (m) => body(m).from === 'across-restart',
        60_000,
        'the schedule due during the crash',
      );
      expect(sentAt(late)).toBeGreaterThanOrEqual(acrossDue);
      await sleep(2000);
      await after.poll();
      expect(after.received.filter((m) => body(m).from === 'across-restart')).toHaveLength(1);
      // Neither the template schedules (next due in an hour) nor the completed one ran again.
      expect(after.received.filter((m) => body(m).from !== 'across-restart')).toEqual([]);
      await expect(scheduler.send(new GetScheduleCommand({ Name: 'across-restart' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    } finally {
      scheduler.destroy();
      sqs.destroy();
    }
    // A synth (on a new lock file) and two cloud starts: over two minutes on a loaded 2-core machine.
  }, 300_000);
});
