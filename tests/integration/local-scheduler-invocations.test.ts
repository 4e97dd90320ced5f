/** The local EventBridge Scheduler invoking targets: on time, never early, in time zones, with retries and dead letters. */
import {
  CreateScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  atExpression,
  closeSchedulersAfterEach,
  DLQ_ARN,
  FUNCTION_ARN,
  REGION,
  ROLE_ARN,
  schedule,
  sleep,
  start,
  waitFor,
  wholeSecondIn,
} from '../support/local-scheduler';

closeSchedulersAfterEach();

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
