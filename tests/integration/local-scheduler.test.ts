/** The local EventBridge Scheduler driven through the real, unmodified `@aws-sdk/client-scheduler`. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListScheduleGroupsCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  SchedulerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalScheduler, type LocalSchedulerOptions, type TargetInput } from '#local/scheduler/index.ts';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:release`;
const DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:release-dlq`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/scheduler`;

interface Invocation {
  target: TargetInput;
  payload: string;
  at: number;
}

interface Harness {
  scheduler: LocalScheduler;
  client: SchedulerClient;
  endpoint: string;
  invocations: Invocation[];
  deadLetters: Array<{ arn: string; body: string; attributes: Record<string, string> }>;
  dataDir: string;
}

const open: Harness[] = [];
const tempDirs: string[] = [];

afterEach(async () => {
  for (const h of open.splice(0)) {
    h.client.destroy();
    await h.scheduler.close();
  }
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'diplowire-scheduler-'));
  tempDirs.push(dir);
  return dir;
}

async function start(
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

async function stop(h: Harness): Promise<void> {
  open.splice(open.indexOf(h), 1);
  h.client.destroy();
  await h.scheduler.close();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(20);
  }
}

/** `at(...)` for an instant, written in UTC. */
const atExpression = (ms: number) => `at(${new Date(ms).toISOString().slice(0, 19)})`;
/** The next whole second at least `ms` from now. */
const wholeSecondIn = (ms: number) => Math.ceil((Date.now() + ms) / 1000) * 1000;

const schedule = (overrides: Partial<CreateScheduleCommandInput> = {}): CreateScheduleCommandInput => ({
  Name: 'release-itm-1',
  ScheduleExpression: 'at(2099-01-01T00:00:00)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: JSON.stringify({ itemId: 'itm-1' }) },
  ...overrides,
});

describe('schedules through the SDK', () => {
  it('creates, reads, lists, updates and deletes a schedule', async () => {
    const { client } = await start();
    const created = await client.send(
      new CreateScheduleCommand(
        schedule({
          Description: 'release itm-1',
          ScheduleExpressionTimezone: 'Europe/Paris',
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: FUNCTION_ARN,
            RoleArn: ROLE_ARN,
            Input: '{"itemId":"itm-1"}',
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 300 },
            DeadLetterConfig: { Arn: DLQ_ARN },
          },
        }),
      ),
    );
    expect(created.ScheduleArn).toBe(`arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/release-itm-1`);

    const got = await client.send(new GetScheduleCommand({ Name: 'release-itm-1' }));
    expect(got).toMatchObject({
      Arn: created.ScheduleArn,
      Name: 'release-itm-1',
      GroupName: 'default',
      ScheduleExpression: 'at(2099-01-01T00:00:00)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      Description: 'release itm-1',
      State: 'ENABLED',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: FUNCTION_ARN,
        RoleArn: ROLE_ARN,
        Input: '{"itemId":"itm-1"}',
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 300 },
        DeadLetterConfig: { Arn: DLQ_ARN },
      },
    });
    expect(got.CreationDate).toBeInstanceOf(Date);
    expect(Math.abs((got.CreationDate as Date).getTime() - Date.now())).toBeLessThan(60_000);

    // UpdateSchedule replaces the definition: omitted fields return to their defaults.
    await client.send(
      new UpdateScheduleCommand(
        schedule({ ScheduleExpression: 'at(2099-06-01T12:00:00)', State: 'DISABLED' }),
      ),
    );
    const updated = await client.send(
      new GetScheduleCommand({ Name: 'release-itm-1', GroupName: 'default' }),
    );
    expect(updated).toMatchObject({
      ScheduleExpression: 'at(2099-06-01T12:00:00)',
      State: 'DISABLED',
      ActionAfterCompletion: 'NONE',
    });
    expect(updated.Description).toBeUndefined();
    expect(updated.ScheduleExpressionTimezone).toBeUndefined();

    await client.send(new CreateScheduleCommand(schedule({ Name: 'release-itm-2' })));
    await client.send(new CreateScheduleCommand(schedule({ Name: 'other' })));
    const listed = await client.send(new ListSchedulesCommand({ NamePrefix: 'release-' }));
    expect(listed.Schedules?.map((s) => s.Name)).toEqual(['release-itm-1', 'release-itm-2']);
    expect(listed.Schedules?.[0]).toMatchObject({
      GroupName: 'default',
      State: 'DISABLED',
      Target: { Arn: FUNCTION_ARN },
    });
    const enabled = await client.send(new ListSchedulesCommand({ State: 'ENABLED' }));
    expect(enabled.Schedules?.map((s) => s.Name)).toEqual(['other', 'release-itm-2']);

    // Pagination: one at a time, every schedule once.
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListSchedulesCommand({ MaxResults: 1, NextToken: token }));
      names.push(...(page.Schedules ?? []).map((s) => s.Name as string));
      token = page.NextToken;
    } while (token);
    expect(names).toEqual(['other', 'release-itm-1', 'release-itm-2']);

    await client.send(new DeleteScheduleCommand({ Name: 'release-itm-1' }));
    await expect(client.send(new GetScheduleCommand({ Name: 'release-itm-1' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('answers with the service error shapes', async () => {
    const { client, endpoint } = await start();
    await client.send(new CreateScheduleCommand(schedule()));
    const conflictError = await client.send(new CreateScheduleCommand(schedule())).catch((e: unknown) => e);
    expect(conflictError).toBeInstanceOf(ConflictException);
    expect((conflictError as ConflictException).$metadata.httpStatusCode).toBe(409);
    expect((conflictError as ConflictException).message).toMatch(/already exists/);

    for (const bad of [
      schedule({ Name: 'no spaces allowed' }),
      schedule({ Name: 'x', ScheduleExpression: 'rate(5 minute)' }),
      schedule({ Name: 'x', ScheduleExpression: 'cron(0 10 * * * *)' }),
      schedule({ Name: 'x', ScheduleExpression: 'at(2099-02-30T00:00:00)' }),
      schedule({ Name: 'x', ScheduleExpressionTimezone: 'Mars/Olympus_Mons' }),
      schedule({ Name: 'x', FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }),
      schedule({ Name: 'x', Target: { Arn: FUNCTION_ARN, RoleArn: 'not-a-role' } }),
      schedule({ Name: 'x', Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: 'not json' } }),
      schedule({
        Name: 'x',
        Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, RetryPolicy: { MaximumRetryAttempts: 186 } },
      }),
      schedule({
        Name: 'x',
        Target: { Arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/c', RoleArn: ROLE_ARN },
      }),
      schedule({
        Name: 'x',
        ScheduleExpression: 'rate(5 minutes)',
        StartDate: new Date(Date.now() - 3_600_000),
      }),
    ]) {
      const error = await client.send(new CreateScheduleCommand(bad)).catch((e: unknown) => e);
      expect(error, JSON.stringify(bad)).toBeInstanceOf(ValidationException);
      expect((error as ValidationException).$metadata.httpStatusCode).toBe(400);
    }
    await expect(
      client.send(new CreateScheduleCommand(schedule({ Name: 'y', GroupName: 'missing' }))),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new DeleteScheduleCommand({ Name: 'nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(client.send(new UpdateScheduleCommand(schedule({ Name: 'nope' })))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );

    // On the wire: status, x-amzn-errortype and {"Message"}, as the service model says.
    const raw = await fetch(`${endpoint}/schedules/nope?groupName=default`);
    expect(raw.status).toBe(404);
    expect(raw.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(await raw.json()).toEqual({ Message: 'Schedule nope does not exist.' });
    const malformed = await fetch(`${endpoint}/schedules/z`, { method: 'POST', body: '{not json' });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('x-amzn-errortype')).toBe('SerializationException');
    await malformed.text();
  });

  it('listens on loopback only and refuses a DNS-rebound Host', async () => {
    const { endpoint } = await start();
    const status = (path: string, host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${endpoint}${path}`, { headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status('/schedules', 'evil.example')).toBe(403);
    expect(await status('/_local/schedules', 'evil.example:80')).toBe(403);
    expect(await status('/schedules', `localhost:${new URL(endpoint).port}`)).toBe(200);
    await expect(
      new LocalScheduler({
        region: REGION,
        accountId: ACCOUNT,
        invokeTarget: async () => {},
        sendToDeadLetter: async () => {},
      }).listen(0, '0.0.0.0'),
    ).rejects.toThrow();
  });

  it('answers a retried CreateSchedule (same client token) with the first result', async () => {
    const { client, scheduler } = await start();
    const first = await client.send(new CreateScheduleCommand(schedule({ ClientToken: 'token-1' })));
    const again = await client.send(new CreateScheduleCommand(schedule({ ClientToken: 'token-1' })));
    expect(again.ScheduleArn).toBe(first.ScheduleArn);
    expect(scheduler.state.schedules).toHaveLength(1);
    await expect(
      client.send(new CreateScheduleCommand(schedule({ ClientToken: 'token-2' }))),
    ).rejects.toBeInstanceOf(ConflictException);
  });
});

describe('schedule groups through the SDK', () => {
  it('creates, reads, lists, tags and deletes groups; deleting one deletes its schedules', async () => {
    const { client } = await start();
    const { ScheduleGroupArn } = await client.send(
      new CreateScheduleGroupCommand({ Name: 'embargo', Tags: [{ Key: 'app', Value: 'diplowire' }] }),
    );
    expect(ScheduleGroupArn).toBe(`arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/embargo`);
    await expect(client.send(new CreateScheduleGroupCommand({ Name: 'embargo' }))).rejects.toBeInstanceOf(
      ConflictException,
    );
    expect(await client.send(new GetScheduleGroupCommand({ Name: 'embargo' }))).toMatchObject({
      Arn: ScheduleGroupArn,
      Name: 'embargo',
      State: 'ACTIVE',
    });
    const groups = await client.send(new ListScheduleGroupsCommand({}));
    expect(groups.ScheduleGroups?.map((g) => g.Name)).toEqual(['default', 'embargo']);

    await client.send(
      new TagResourceCommand({ ResourceArn: ScheduleGroupArn, Tags: [{ Key: 'team', Value: 'wire' }] }),
    );
    await client.send(new UntagResourceCommand({ ResourceArn: ScheduleGroupArn, TagKeys: ['app'] }));
    expect(
      (await client.send(new ListTagsForResourceCommand({ ResourceArn: ScheduleGroupArn }))).Tags,
    ).toEqual([{ Key: 'team', Value: 'wire' }]);

    await client.send(new CreateScheduleCommand(schedule({ GroupName: 'embargo' })));
    expect(
      (await client.send(new ListSchedulesCommand({ GroupName: 'embargo' }))).Schedules?.map((s) => s.Arn),
    ).toEqual([`arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/embargo/release-itm-1`]);
    await expect(client.send(new GetScheduleCommand({ Name: 'release-itm-1' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );

    await client.send(new DeleteScheduleGroupCommand({ Name: 'embargo' }));
    await expect(client.send(new GetScheduleGroupCommand({ Name: 'embargo' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    expect((await client.send(new ListSchedulesCommand({}))).Schedules).toEqual([]);
    await expect(client.send(new DeleteScheduleGroupCommand({ Name: 'default' }))).rejects.toBeInstanceOf(
      ValidationException,
    );
  });
});

describe('invoking targets', () => {
  it('fires an at() schedule at its second, never before, with the context attributes filled in', async () => {
    const h = await start();
    const due = wholeSecondIn(1500);
    const { ScheduleArn } = await h.client.send(
      new CreateScheduleCommand(
        schedule({
          ScheduleExpression: atExpression(due),
          Target: {
            Arn: FUNCTION_ARN,
            RoleArn: ROLE_ARN,
            Input: JSON.stringify({
              arn: '<aws.scheduler.schedule-arn>',
              time: '<aws.scheduler.scheduled-time>',
              attempt: '<aws.scheduler.attempt-number>',
              id: '<aws.scheduler.execution-id>',
            }),
          },
        }),
      ),
    );
    const invocation = await waitFor(() => h.invocations[0]);
    expect(invocation.at).toBeGreaterThanOrEqual(due);
    const payload = JSON.parse(invocation.payload);
    expect(payload).toMatchObject({
      arn: ScheduleArn,
      time: `${new Date(due).toISOString().slice(0, 19)}Z`,
      attempt: '1',
    });
    expect(payload.id).toMatch(/^[0-9a-f-]{36}$/);
    await h.scheduler.whenIdle();
    // ActionAfterCompletion NONE (the default) keeps the completed schedule.
    expect((await h.client.send(new GetScheduleCommand({ Name: 'release-itm-1' }))).State).toBe('ENABLED');
    expect(h.invocations).toHaveLength(1);
  });

  it('reads at() in the schedule time zone', async () => {
    const h = await start();
    const due = wholeSecondIn(1500);
    // The same instant written as Tokyo's wall-clock time (UTC+9, no daylight saving).
    const tokyo = new Date(due + 9 * 3_600_000).toISOString().slice(0, 19);
    await h.client.send(
      new CreateScheduleCommand(
        schedule({ ScheduleExpression: `at(${tokyo})`, ScheduleExpressionTimezone: 'Asia/Tokyo' }),
      ),
    );
    const invocation = await waitFor(() => h.invocations[0]);
    expect(invocation.at).toBeGreaterThanOrEqual(due);
    expect(h.scheduler.invocations()[0]?.scheduledAt).toBe(`${new Date(due).toISOString().slice(0, 19)}Z`);
    // The history keeps what was sent: a one-time schedule may be gone once it fired.
    expect(h.scheduler.invocations()[0]?.input).toBe(schedule().Target?.Input);
  });

  it('deletes a one-time schedule after its invocation with ActionAfterCompletion DELETE', async () => {
    const h = await start();
    await h.client.send(
      new CreateScheduleCommand(
        schedule({ ScheduleExpression: atExpression(wholeSecondIn(500)), ActionAfterCompletion: 'DELETE' }),
      ),
    );
    await waitFor(() => h.invocations[0]);
    await h.scheduler.whenIdle();
    await expect(h.client.send(new GetScheduleCommand({ Name: 'release-itm-1' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('fires a past at() at once, and a rescheduled one at its new time only', async () => {
    const h = await start();
    await h.client.send(
      new CreateScheduleCommand(schedule({ ScheduleExpression: atExpression(wholeSecondIn(60_000)) })),
    );
    const due = wholeSecondIn(1000);
    await h.client.send(new UpdateScheduleCommand(schedule({ ScheduleExpression: atExpression(due) })));
    await waitFor(() => h.invocations[0]);
    expect(h.invocations[0]!.at).toBeGreaterThanOrEqual(due);

    await h.client.send(
      new CreateScheduleCommand(schedule({ Name: 'late', ScheduleExpression: 'at(2020-01-01T00:00:00)' })),
    );
    await waitFor(() => h.invocations[1]);
    expect(JSON.parse(h.invocations[1]!.payload)).toEqual({ itemId: 'itm-1' });
  });

  it('starts a rate schedule without StartDate at once, and leaves a DISABLED schedule alone', async () => {
    const h = await start();
    await h.client.send(
      new CreateScheduleCommand(
        schedule({ Name: 'off', ScheduleExpression: 'rate(1 minute)', State: 'DISABLED' }),
      ),
    );
    await h.client.send(
      new CreateScheduleCommand(schedule({ Name: 'sweeper', ScheduleExpression: 'rate(1 minute)' })),
    );
    await waitFor(() => h.invocations[0]);
    await sleep(300);
    expect(h.invocations).toHaveLength(1);
    expect(h.scheduler.invocations().map((i) => i.scheduleArn)).toEqual([
      `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/sweeper`,
    ]);
  });

  it('retries a failing target as its retry policy says, then dead-letters with Scheduler error attributes', async () => {
    const h = await start({
      failWith: () => Object.assign(new Error('function is broken'), { code: 'BrokenFunction' }),
    });
    await h.client.send(
      new CreateScheduleCommand(
        schedule({
          ScheduleExpression: atExpression(wholeSecondIn(200)),
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: FUNCTION_ARN,
            RoleArn: ROLE_ARN,
            Input: '{"itemId":"itm-1"}',
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
            DeadLetterConfig: { Arn: DLQ_ARN },
          },
        }),
      ),
    );
    const dead = await waitFor(() => h.deadLetters[0]);
    expect(h.invocations).toHaveLength(3); // the first attempt and two retries
    expect(dead.arn).toBe(DLQ_ARN);
    expect(dead.body).toBe('{"itemId":"itm-1"}');
    expect(dead.attributes).toEqual({
      ERROR_CODE: 'BrokenFunction',
      ERROR_MESSAGE: 'function is broken',
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
      RETRY_ATTEMPTS: '2',
      TARGET_ARN: FUNCTION_ARN,
      'X-Amz-Scheduler-Attempt': '3',
      'X-Amz-Scheduler-Group': 'default',
      'X-Amz-Scheduler-Schedule': 'release-itm-1',
    });
    await h.scheduler.whenIdle();
    expect(h.scheduler.invocations()[0]).toMatchObject({ outcome: 'dead-lettered', attempts: 3 });
    // The schedule completed (its one invocation ended) and asked to be deleted.
    expect(h.scheduler.state.schedules).toHaveLength(0);
  });

  it('gives up when the next retry would exceed MaximumEventAgeInSeconds', async () => {
    const h = await start({
      retryBaseDelayMs: 61_000,
      failWith: () => new Error('still broken'),
    });
    await h.client.send(
      new CreateScheduleCommand(
        schedule({
          ScheduleExpression: atExpression(wholeSecondIn(200)),
          Target: {
            Arn: FUNCTION_ARN,
            RoleArn: ROLE_ARN,
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 60 },
            DeadLetterConfig: { Arn: DLQ_ARN },
          },
        }),
      ),
    );
    const dead = await waitFor(() => h.deadLetters[0]);
    expect(dead.attributes.EXHAUSTED_RETRY_CONDITION).toBe('MaximumEventAgeInSeconds');
    expect(dead.body).toBe('{}'); // no Input: an empty JSON object
    expect(h.invocations).toHaveLength(1); // a retry 61 s later would pass the 60 s age
    expect(dead.attributes.RETRY_ATTEMPTS).toBe('0');
  });
});

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
