/**
 * Schedule targets as the local cloud wires them (`scheduleTargetInvoker`): a real local Lambda
 * function, a real local SQS queue and a real local EventBridge bus, schedules created with the real SDK.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalEventBridge } from '#local/eventbridge/index.ts';
import { LocalLambda } from '#local/lambda/index.ts';
import { LocalScheduler, scheduleTargetInvoker } from '#local/scheduler/index.ts';
import { LocalSqs } from '#local/sqs/index.ts';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/scheduler`;
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:release`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:releases`;
const DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:release-dlq`;
const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/wire`;
const LAMBDAS = join(import.meta.dirname, '../fixtures/local/lambdas');

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(25);
  }
}

async function cloud() {
  const dir = mkdtempSync(join(tmpdir(), 'diplowire-scheduler-targets-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const recordFile = join(dir, 'events.jsonl');
  const log = () => {};
  const asyncFailures: Record<string, unknown>[] = [];
  const sqs = new LocalSqs({
    queues: [{ name: 'releases' }, { name: 'release-dlq' }],
    region: REGION,
    accountId: ACCOUNT,
    log,
  });
  const fn = new LocalLambda(
    {
      name: 'release',
      arn: FUNCTION_ARN,
      codeDir: LAMBDAS,
      handler: 'record.handler',
      runtime: 'nodejs24.x',
      memoryMb: 128,
      timeoutSeconds: 5,
      environment: { RECORD_FILE: recordFile },
    },
    {
      extraEnv: { AWS_REGION: REGION },
      log,
      // The function's own async retries (fast, for the test) and on-failure record.
      asyncConfig: { maximumRetryAttempts: 1 },
      asyncRetryDelaysMs: [10],
      onAsyncFailure: (event, result, info) => {
        asyncFailures.push({ event, errorType: result?.errorType, ...info });
      },
    },
  );
  cleanups.push(() => fn.close());
  const busDeliveries: string[] = [];
  const bridge = new LocalEventBridge({
    buses: [{ name: 'wire', arn: BUS_ARN }],
    rules: [
      {
        name: 'releases',
        arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/wire/releases`,
        eventBusName: 'wire',
        eventPattern: { source: ['diplowire.embargo'] },
        state: 'ENABLED',
        targets: [{ id: 'collector', arn: QUEUE_ARN }],
      },
    ],
    archives: [],
    region: REGION,
    accountId: ACCOUNT,
    invokeTarget: async (_target, payload) => {
      busDeliveries.push(payload);
    },
    sendToDeadLetter: async () => {},
  });
  const functions = new Map([[FUNCTION_ARN, fn]]);
  const scheduler = new LocalScheduler({
    region: REGION,
    accountId: ACCOUNT,
    retryBaseDelayMs: 10,
    invokeTarget: scheduleTargetInvoker(
      (arn) => {
        const found = functions.get(arn);
        if (!found) throw new Error(`no local function for ${arn}`);
        return found;
      },
      sqs,
      bridge,
    ),
    sendToDeadLetter: async (arn, body, attributes) => {
      await sqs.send(
        arn,
        body,
        Object.fromEntries(
          Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
        ),
      );
    },
  });
  const endpoint = await scheduler.listen(0);
  cleanups.push(() => scheduler.close());
  const client = new SchedulerClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  cleanups.push(() => client.destroy());
  const recorded = () => {
    try {
      return readFileSync(recordFile, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    } catch {
      return [];
    }
  };
  const messages = (queue: string) => sqs.engine.messages(queue);
  return { client, scheduler, recorded, messages, busDeliveries, bridge, asyncFailures };
}

const now = (name: string, target: CreateScheduleCommandInput['Target']): CreateScheduleCommandInput => ({
  Name: name,
  ScheduleExpression: 'at(2020-01-01T00:00:00)', // past: fires at once
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: target,
});

describe('schedule targets', () => {
  it('invokes a Lambda function with the Input as its event', async () => {
    const c = await cloud();
    await c.client.send(
      new CreateScheduleCommand(
        now('lambda', { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: '{"itemId":"itm-1"}' }),
      ),
    );
    const [event] = await waitFor(() => (c.recorded().length > 0 ? c.recorded() : undefined));
    expect(event).toEqual({ itemId: 'itm-1' });
  });

  it("hands a Lambda target to the function's async queue: the function's retries handle its errors, not the schedule's", async () => {
    const c = await cloud();
    await c.client.send(
      new CreateScheduleCommand(
        now('failing', {
          Arn: FUNCTION_ARN,
          RoleArn: ROLE_ARN,
          Input: '{"fail":true}',
          RetryPolicy: { MaximumRetryAttempts: 3 },
          DeadLetterConfig: { Arn: DLQ_ARN },
        }),
      ),
    );
    const [failure] = await waitFor(() => (c.asyncFailures.length > 0 ? c.asyncFailures : undefined));
    // One attempt and the function's one retry; then its on-failure handling, as on AWS.
    expect(failure).toMatchObject({
      event: { fail: true },
      errorType: 'AskedToFail',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 2,
    });
    expect(c.recorded()).toHaveLength(2);
    // Lambda accepted the invocation, so the schedule delivered it: nothing in the schedule's DLQ.
    expect(c.messages('release-dlq')).toHaveLength(0);
  });

  it('dead-letters an invocation of a function that does not exist', async () => {
    const c = await cloud();
    const missing = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:gone`;
    await c.client.send(
      new CreateScheduleCommand(
        now('missing', {
          Arn: missing,
          RoleArn: ROLE_ARN,
          RetryPolicy: { MaximumRetryAttempts: 0 },
          DeadLetterConfig: { Arn: DLQ_ARN },
        }),
      ),
    );
    const [dead] = await waitFor(() =>
      c.messages('release-dlq').length > 0 ? c.messages('release-dlq') : undefined,
    );
    expect(dead!.messageAttributes.ERROR_CODE?.StringValue).toBe('ResourceNotFoundException');
    expect(dead!.messageAttributes.TARGET_ARN?.StringValue).toBe(missing);
  });

  it('sends the Input to an SQS queue', async () => {
    const c = await cloud();
    await c.client.send(
      new CreateScheduleCommand(
        now('queue', {
          Arn: QUEUE_ARN,
          RoleArn: ROLE_ARN,
          Input: 'plain text is fine for SQS',
          SqsParameters: {},
        }),
      ),
    );
    const [message] = await waitFor(() =>
      c.messages('releases').length > 0 ? c.messages('releases') : undefined,
    );
    expect(message!.body).toBe('plain text is fine for SQS');
  });

  it('puts an event on an EventBridge bus with the DetailType and Source, the schedule as its resource', async () => {
    const c = await cloud();
    const { ScheduleArn } = await c.client.send(
      new CreateScheduleCommand(
        now('bus', {
          Arn: BUS_ARN,
          RoleArn: ROLE_ARN,
          Input: '{"itemId":"itm-9"}',
          EventBridgeParameters: { DetailType: 'EmbargoDue', Source: 'diplowire.embargo' },
        }),
      ),
    );
    const [delivered] = await waitFor(() => (c.busDeliveries.length > 0 ? c.busDeliveries : undefined));
    expect(JSON.parse(delivered!)).toMatchObject({
      source: 'diplowire.embargo',
      'detail-type': 'EmbargoDue',
      detail: { itemId: 'itm-9' },
      resources: [ScheduleArn],
    });
  });
});
