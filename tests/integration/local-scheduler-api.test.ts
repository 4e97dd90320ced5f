/** The local EventBridge Scheduler's API (schedules and groups) through the real, unmodified `@aws-sdk/client-scheduler`. */
import { request } from 'node:http';
import {
  ConflictException,
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListScheduleGroupsCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { LocalScheduler } from '#local/scheduler/index.ts';
import {
  ACCOUNT,
  closeSchedulersAfterEach,
  DLQ_ARN,
  FUNCTION_ARN,
  REGION,
  ROLE_ARN,
  schedule,
  start,
} from '../support/local-scheduler';

closeSchedulersAfterEach();

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
