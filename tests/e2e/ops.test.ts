/**
 * The operator CLI (`npm run ops`, scripts/ops/) against the local cloud, run as a child process with
 * `--local --json` the way an operator's script would: status, dead-letter queues (list, a peek that
 * consumes nothing, a redrive whose message is then processed), an archive replay to one rule (which
 * never carries held content), re-enabling a disabled webhook subscription with redelivery, exit codes
 * and usage errors. The cloud and its partner, subscriptions and clients: support/ops-cloud.ts.
 */
import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { DynamoDeliveryStore } from '#shared/adapters/dynamodb/delivery-store.ts';
import { e2eNames } from './support/e2e-stack';
import { eventsOnBus, jsonOf, queueCollector, smallItem, waitFor } from './support/helpers';
import {
  api,
  cloud,
  DELIVERIES_DLQ,
  type DlqJson,
  dataDir,
  dynamodb,
  gone,
  goneSub,
  ops,
  opsJson,
  opsOnTerminal,
  sqs,
  startedAt,
  steady,
  steadySub,
  UNKNOWN_SUB,
  useOpsCloud,
  WAIT_MS,
} from './support/ops-cloud';
import { deliveriesOf } from './support/subscribers';

useOpsCloud();

describe('usage and exit codes', () => {
  it('--help lists every command and the exit codes (exit 0)', async () => {
    const result = await ops(['--help']);
    expect(result.code).toBe(0);
    for (const text of [
      'status',
      'dlq list',
      'dlq show',
      'dlq redrive',
      'replay',
      'subscriptions enable',
      'Exit codes',
    ])
      expect(result.stdout).toContain(text);
  });

  it.each([
    [['status', '--bogus'], /Unknown option '--bogus'/],
    [['frobnicate'], /Unknown command "frobnicate"/],
    [[], /No command given/],
    [['replay'], /needs --from/],
    [['replay', '--from', 'yesterday-ish'], /is not a time/],
    [['replay', '--from', '1h', '--to', '2h'], /--from must be before --to/],
    [['status', '--window', 'soon'], /--window/],
    [['status', '--from', '1h'], /--from does not apply to status/],
    [['dlq', 'show'], /exactly one queue/],
    [['dlq', 'show', 'outbox', '--max', '1000'], /--max must be a whole number from 1 to 100/],
    [['subscriptions', 'enable', 'not-an-id'], /Expected a subscription id/],
    [['subscriptions', 'enable', UNKNOWN_SUB, '--redeliver-since', 'tomorrow'], /is not a time/],
  ])('%j is a usage error: usage on stderr, nothing on stdout, exit 2', async (args, message) => {
    const result = await ops(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Usage:');
    expect(result.stdout).toBe('');
  });

  it('an unknown queue or subscription is an operational failure (exit 1), with the known queues named', async () => {
    const queue = await ops(['dlq', 'show', 'no-such-queue']);
    expect(queue.code).toBe(1);
    expect(queue.stderr).toContain('webhook-deliveries-dlq');
    const subscription = await ops(['subscriptions', 'enable', UNKNOWN_SUB]);
    expect(subscription.code).toBe(1);
    expect(subscription.stderr).toMatch(/No subscription/);
  });

  it('without a running local cloud it says how to start one (exit 1)', async () => {
    const result = await ops(['status'], { DIPLOWIRE_LOCAL_DIR: `${dataDir}/nowhere` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not running.*npm start/);
  });
});

describe('subscriptions enable', () => {
  it('re-enables a subscription disabled by a 410 and redelivers what failed since a time', async () => {
    // The first delivery met 410: failed, and the subscription disabled.
    await waitFor(
      async () => (await api.subscription(goneSub.id)).text.includes('"disabled"'),
      WAIT_MS,
      'the 410 to disable the subscription',
    );
    const [failed] = await deliveriesOf(api, goneSub.id);
    expect(failed?.status).toBe('failed');

    const status = await opsJson<{
      disabledSubscriptions: Array<{ subscriptionId: string }>;
      deliveryFailures: { subscriptions: Array<{ subscriptionId: string; failed: number; rate: number }> };
    }>(['status'], 0);
    expect(status.disabledSubscriptions.map((s) => s.subscriptionId)).toContain(goneSub.id);
    expect(status.deliveryFailures.subscriptions.find((s) => s.subscriptionId === goneSub.id)).toMatchObject({
      failed: 1,
      rate: 1,
    });

    const since = new Date(startedAt.getTime() - 60_000).toISOString();
    const enabled = await opsJson<{
      enabled: boolean;
      subscription: { status: string };
      redelivered: Array<{ deliveryId: string }>;
    }>(['subscriptions', 'enable', goneSub.id, '--redeliver-since', since]);
    expect(enabled.enabled).toBe(true);
    expect(enabled.subscription.status).toBe('active');
    expect(enabled.redelivered.map((d) => d.deliveryId)).toEqual([failed?.id]);

    // The redelivery reaches the endpoint (now answering 204) with the same webhook-id.
    const redelivered = await waitFor(
      () => gone.received.length >= 2 && gone.received[1],
      WAIT_MS,
      'the redelivery',
    );
    expect(redelivered.headers['webhook-id']).toBe(failed?.id);
    expect(redelivered.verifyError).toBeUndefined();
    expect(jsonOf<{ status: string }>(await api.subscription(goneSub.id)).status).toBe('active');

    // Its match rows are back: a new item reaches it again.
    expect((await api.submit(smallItem())).status).toBe(201);
    await waitFor(() => gone.received.length >= 3, WAIT_MS, 'a new event to the re-enabled subscription');

    // Enabling again changes nothing and redelivers nothing that succeeded.
    const again = await opsJson<{ enabled: boolean; redelivered: unknown[] }>([
      'subscriptions',
      'enable',
      goneSub.id,
      '--redeliver-since',
      since,
    ]);
    expect(again).toMatchObject({ enabled: false, redelivered: [] });
  }, 240_000);
});

describe('dead-letter queues', () => {
  it('status and dlq list show a dead-lettered delivery; show peeks without consuming; redrive moves it back and the dispatcher sends it', async () => {
    const [delivery] = await waitFor(
      async () => {
        const list = await deliveriesOf(api, steadySub.id);
        return list.length > 0 && list.every((d) => d.status === 'succeeded') && list;
      },
      WAIT_MS,
      'the steady delivery',
    );
    const sentBefore = steady.received.length;
    // A delivery message that failed processing five times, as the deliveries queue dead-letters it:
    // its delivery waits for the attempt (a new sequence), and the message sits in the DLQ.
    const store = new DynamoDeliveryStore(dynamodb, 'diplowire-dev-webhooks');
    const sequence = await store.restartDelivery(delivery!.id, new Date().toISOString());
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: DELIVERIES_DLQ }));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: JSON.stringify({ deliveryId: delivery!.id, sequence, attempt: 1 }),
      }),
    );

    const unhealthy = await ops(['status', '--json']);
    expect(unhealthy.code).toBe(3);
    const report = JSON.parse(unhealthy.stdout) as {
      healthy: boolean;
      problems: string[];
      deadLetterQueues: DlqJson[];
    };
    expect(report.healthy).toBe(false);
    expect(report.problems.join('\n')).toContain(DELIVERIES_DLQ);
    const inStatus = report.deadLetterQueues.find((q) => q.name === DELIVERIES_DLQ);
    expect(inStatus?.visible).toBe(1);
    expect(inStatus?.oldestAgeMs.available).toBe(true);
    expect(inStatus?.oldestAgeMs.value).toBeGreaterThanOrEqual(0);

    const listed = await opsJson<{ deadLetterQueues: DlqJson[] }>(['dlq', 'list']);
    expect(listed.deadLetterQueues.map((q) => q.name)).toEqual(
      expect.arrayContaining(['diplowire-dev-outbox-dlq', 'diplowire-dev-translator-dlq', DELIVERIES_DLQ]),
    );
    expect(listed.deadLetterQueues.find((q) => q.name === DELIVERIES_DLQ)).toMatchObject({
      visible: 1,
      sources: ['diplowire-dev-webhook-deliveries'],
    });

    const shown = await opsJson<{ messages: Array<{ body: string; receiveCount: number }> }>([
      'dlq',
      'show',
      'webhook-deliveries',
    ]);
    expect(shown.messages).toHaveLength(1);
    expect(JSON.parse(shown.messages[0]!.body)).toEqual({ deliveryId: delivery!.id, sequence, attempt: 1 });
    // The peek consumed nothing: the message is visible again at once.
    const afterPeek = await opsJson<{ deadLetterQueues: DlqJson[] }>(['dlq', 'list']);
    expect(afterPeek.deadLetterQueues.find((q) => q.name === DELIVERIES_DLQ)).toMatchObject({
      visible: 1,
      inFlight: 0,
    });

    const redriven = await opsJson<{ status: string; moved: number }>(['dlq', 'redrive', DELIVERIES_DLQ]);
    expect(redriven).toMatchObject({ status: 'COMPLETED', moved: 1 });
    const sent = await waitFor(
      () => steady.received.length > sentBefore && steady.received[sentBefore],
      WAIT_MS,
      'the redriven delivery at the receiver',
    );
    expect(sent.headers['webhook-id']).toBe(delivery!.id);
    await waitFor(
      async () => (await store.getDelivery(delivery!.id))?.status === 'succeeded',
      WAIT_MS,
      'the redriven attempt recorded',
    );

    const healthy = await opsJson<{ healthy: boolean }>(['status']);
    expect(healthy.healthy).toBe(true);
  }, 240_000);

  it('redrives to another queue with --destination (a queue name)', async () => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: DELIVERIES_DLQ }));
    const body = JSON.stringify({ deliveryId: 'msg_elsewhere', sequence: 1, attempt: 1 });
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
    const destination = e2eNames('dev').redriveQueue;
    const redriven = await opsJson<{ status: string; moved: number; destination: string }>([
      'dlq',
      'redrive',
      'webhook-deliveries',
      '--destination',
      destination,
      '--rate',
      '10',
    ]);
    expect(redriven).toMatchObject({ status: 'COMPLETED', moved: 1, destination });
    const moved = await queueCollector(sqs, destination).waitFor(
      (m) => m.Body === body,
      WAIT_MS,
      'the moved message',
    );
    expect(moved.Body).toBe(body);
    const unknown = await ops(['dlq', 'redrive', 'webhook-deliveries', '--destination', 'no-such-queue']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No queue named "no-such-queue"');
  }, 120_000);

  it('refuses to redrive a DLQ that no SQS queue feeds, and names the alternative (exit 1)', async () => {
    const result = await ops(['dlq', 'redrive', 'translator']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not the dead-letter queue of another SQS queue.*replay/s);
  });

  it('on a terminal: colours and a progress bar; NO_COLOR turns the colours off', async () => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: DELIVERIES_DLQ }));
    // Not a delivery the dispatcher knows: it drops the message once redriven.
    await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: JSON.stringify({ deliveryId: 'msg_unknown', sequence: 1, attempt: 1 }),
      }),
    );
    const listed = await opsOnTerminal(['dlq', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`\u001b[31m${DELIVERIES_DLQ}\u001b[39m`);
    const plain = await opsOnTerminal(['dlq', 'list'], { NO_COLOR: '1' });
    expect(plain.stdout).toContain(DELIVERIES_DLQ);
    expect(plain.stdout).not.toContain('\u001b[');

    const redriven = await opsOnTerminal(['dlq', 'redrive', DELIVERIES_DLQ]);
    expect(redriven.code).toBe(0);
    expect(redriven.stdout).toMatch(
      /redrive diplowire-dev-webhook-deliveries-dlq -> diplowire-dev-webhook-deliveries \[#+\] 100% 1\/1/,
    );
    expect(redriven.stdout).toContain('\u001b[32mRedriven\u001b[39m: 1 message(s) moved');
  }, 120_000);

  it('colours nothing when stdout is not a terminal (human output)', async () => {
    const result = await ops(['dlq', 'list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^QUEUE\s+MESSAGES\s+IN FLIGHT\s+OLDEST\s+REDRIVES TO/);
    expect(result.stdout).not.toContain('\u001b[');
    expect(result.stderr).not.toContain('\u001b[');
  });
});

describe('replay', () => {
  it('replays the archived window to one rule, and never anything held', async () => {
    const tap = queueCollector(sqs, e2eNames('dev').tapQueue);
    const from = new Date(Date.now() - 1000);
    const held = await api.submit({
      ...smallItem(),
      embargoed: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(held.status).toBe(201);
    const heldId = jsonOf<{ id: string }>(held).id;
    const published = await api.submit(smallItem());
    expect(published.status).toBe(201);
    const publishedId = jsonOf<{ id: string }>(published).id;
    const original = await tap.waitFor(
      (m) => (m.Body ?? '').includes(publishedId),
      WAIT_MS,
      'the original event',
    );
    const eventId = (JSON.parse(original.Body ?? '{}') as { detail: { eventId: string } }).detail.eventId;

    const result = await opsJson<{ state: string; replayName: string; rules: string[] }>([
      'replay',
      '--from',
      from.toISOString(),
      '--rule',
      'e2e-tap',
    ]);
    expect(result.state).toBe('COMPLETED');
    expect(result.rules).toEqual([expect.stringMatching(/rule\/diplowire-dev\/diplowire-dev-e2e-tap$/)]);
    const replayed = await tap.waitFor(
      (m) => (m.Body ?? '').includes(result.replayName),
      WAIT_MS,
      'the replayed event at the tap rule',
    );
    const body = JSON.parse(replayed.Body ?? '{}') as { 'replay-name': string; detail: { eventId: string } };
    expect(body['replay-name']).toBe(result.replayName);
    expect(body.detail.eventId).toBe(eventId);
    // The held item's version never reached the archive, so no replay can make it public.
    expect(tap.received.some((m) => (m.Body ?? '').includes(heldId))).toBe(false);
    // --rule is the replay's FilterArns: on the bus, the replayed events matched that rule and no other.
    const replayedOnBus = (await eventsOnBus(cloud.endpoints)).filter(
      (record) => (record.event as Record<string, unknown>)['replay-name'] === result.replayName,
    );
    expect(replayedOnBus.length).toBeGreaterThanOrEqual(1);
    for (const record of replayedOnBus) expect(record.matchedRules).toEqual([e2eNames('dev').tapRule]);
    expect(replayedOnBus.some((record) => JSON.stringify(record.event).includes(heldId))).toBe(false);

    const status = await opsJson<{ held: { count: number; overdue: number } }>(['status']);
    expect(status.held.count).toBeGreaterThanOrEqual(1);
    expect(status.held.overdue).toBe(0);
  }, 240_000);
});

describe('status for people', () => {
  it('prints every section, and says what the local cloud cannot report', async () => {
    const result = await ops(['status']);
    expect([0, 3]).toContain(result.code);
    for (const section of [
      'Diplowire dev on the local cloud',
      'Alarms in ALARM',
      'unavailable: the local cloud has no CloudWatch',
      'Dead-letter queues',
      'diplowire-dev-webhook-deliveries-dlq',
      'Outbox',
      'Held items (embargo)',
      'Disabled subscriptions',
      'Webhook delivery failures',
      'Dashboard: unavailable: the local cloud has no CloudWatch dashboards',
    ])
      expect(result.stdout).toContain(section);
    expect(result.stdout).not.toContain('\u001b[');
  }, 120_000);
});
