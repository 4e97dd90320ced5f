import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '#shared/domain/errors.ts';
import { failureRateOf, problemsOf, type StatusReport } from '#shared/domain/ops/status.ts';
import type { Delivery, DeliveryMessage, Subscription } from '#shared/domain/webhooks/model.ts';
import {
  needsRedelivery,
  type RecoveryPorts,
  recoverSubscription,
} from '#shared/domain/webhooks/recovery.ts';

const NOW = new Date('2026-12-05T06:00:00.000Z');

function subscription(status: Subscription['status']): Subscription {
  return {
    subscriptionId: 'sub_1',
    partnerId: 'ptn_1',
    url: 'https://example.org/hook',
    eventTypes: ['NewsItemPublished'],
    filter: {},
    status,
    ...(status === 'disabled' && { disabledAt: '2026-12-04T00:00:00Z', disabledReason: 'endpoint-gone' }),
    createdAt: '2026-12-01T00:00:00Z',
    updatedAt: '2026-12-04T00:00:00Z',
  };
}

function delivery(id: string, createdAt: string, status: Delivery['status'], reason?: string): Delivery {
  return {
    deliveryId: id,
    subscriptionId: 'sub_1',
    partnerId: 'ptn_1',
    eventId: `evt_${id}`,
    eventType: 'NewsItemPublished',
    createdAt,
    status,
    sequence: 1,
    nextAttempt: 2,
    ...(reason && { reason }),
    attempts: [],
  };
}

/** In-memory ports that record what recovery did. */
function ports(initial: Subscription | undefined, deliveries: Delivery[], partnerActive = true) {
  let current = initial;
  const enqueued: DeliveryMessage[] = [];
  const marked: string[] = [];
  const port: RecoveryPorts = {
    subscriptions: {
      getSubscription: async () => current,
      enableSubscription: async (s) => {
        if (current?.status !== 'disabled') return false;
        current = { ...s, status: 'active' };
        return true;
      },
    },
    deliveries: {
      // Pages of one, oldest first, like the index query.
      listDeliveriesSince: async (_id, since, page) => {
        const all = deliveries
          .filter((d) => d.createdAt >= since)
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
        const start = page.cursor === undefined ? 0 : Number(page.cursor);
        return {
          items: all.slice(start, start + 1),
          ...(start + 1 < all.length && { cursor: String(start + 1) }),
        };
      },
      restartDelivery: async (id) => {
        const found = deliveries.find((d) => d.deliveryId === id)!;
        found.sequence += 1;
        found.status = 'pending';
        return found.sequence;
      },
      markEnqueued: async (id) => {
        marked.push(id);
      },
    },
    queue: { enqueue: async (message) => void enqueued.push(message) },
    partners: { isActive: async () => partnerActive },
  };
  return { port, enqueued, marked, current: () => current };
}

describe('recoverSubscription', () => {
  it('enables a disabled subscription and clears why it was disabled', async () => {
    const { port, current } = ports(subscription('disabled'), []);
    const result = await recoverSubscription(port, 'sub_1', { now: NOW });
    expect(result.enabled).toBe(true);
    expect(result.subscription).toMatchObject({ status: 'active', updatedAt: NOW.toISOString() });
    expect(result.subscription.disabledReason).toBeUndefined();
    expect(result.redelivered).toEqual([]);
    expect(current()?.status).toBe('active');
  });

  it('redelivers every failed delivery created since the time, across pages, oldest first, as a new sequence', async () => {
    const list = [
      delivery('d_old', '2026-12-03T00:00:00Z', 'failed'),
      delivery('d_failed', '2026-12-04T01:00:00Z', 'failed', 'endpoint-gone'),
      delivery('d_ok', '2026-12-04T02:00:00Z', 'succeeded'),
      delivery('d_cancelled', '2026-12-04T03:00:00Z', 'cancelled', 'subscription-disabled'),
      delivery('d_pending', '2026-12-04T04:00:00Z', 'pending'),
    ];
    const { port, enqueued, marked } = ports(subscription('disabled'), list);
    const result = await recoverSubscription(port, 'sub_1', {
      now: NOW,
      redeliverSince: new Date('2026-12-04T00:00:00Z'),
    });
    expect(result.redelivered.map((d) => d.deliveryId)).toEqual(['d_failed', 'd_cancelled']);
    expect(enqueued).toEqual([
      { deliveryId: 'd_failed', sequence: 2, attempt: 1 },
      { deliveryId: 'd_cancelled', sequence: 2, attempt: 1 },
    ]);
    expect(marked).toEqual(['d_failed', 'd_cancelled']);
  });

  it('leaves an active subscription as it is, and still redelivers', async () => {
    const { port, enqueued } = ports(subscription('active'), [
      delivery('d1', '2026-12-05T05:00:00Z', 'failed'),
    ]);
    const result = await recoverSubscription(port, 'sub_1', {
      now: NOW,
      redeliverSince: new Date('2026-12-05T00:00:00Z'),
    });
    expect(result.enabled).toBe(false);
    expect(enqueued).toHaveLength(1);
  });

  it('refuses an unknown subscription and one of a revoked partner, changing nothing', async () => {
    await expect(recoverSubscription(ports(undefined, []).port, 'sub_1', { now: NOW })).rejects.toThrow(
      NotFoundError,
    );
    const revoked = ports(
      subscription('disabled'),
      [delivery('d1', '2026-12-05T05:00:00Z', 'failed')],
      false,
    );
    await expect(
      recoverSubscription(revoked.port, 'sub_1', {
        now: NOW,
        redeliverSince: new Date('2026-12-05T00:00:00Z'),
      }),
    ).rejects.toThrow(ConflictError);
    expect(revoked.current()?.status).toBe('disabled');
    expect(revoked.enqueued).toEqual([]);
  });

  it('what needs redelivery: failed, or cancelled because the subscription was disabled', () => {
    expect(needsRedelivery(delivery('a', '', 'failed'))).toBe(true);
    expect(needsRedelivery(delivery('a', '', 'cancelled', 'subscription-disabled'))).toBe(true);
    expect(needsRedelivery(delivery('a', '', 'cancelled', 'subscription-deleted'))).toBe(false);
    expect(needsRedelivery(delivery('a', '', 'succeeded'))).toBe(false);
    expect(needsRedelivery(delivery('a', '', 'pending'))).toBe(false);
  });
});

describe('status', () => {
  const healthy: StatusReport = {
    stage: 'dev',
    mode: 'aws',
    at: NOW.toISOString(),
    alarms: { available: true, value: [] },
    deadLetterQueues: [
      {
        name: 'q',
        url: 'u',
        arn: 'a',
        visible: 0,
        inFlight: 0,
        oldestAgeMs: { available: true, value: null },
        sources: [],
      },
    ],
    outboxIteratorAgeMs: { available: true, value: 1000 },
    held: { count: 3, overdue: 0, truncated: false },
    disabledSubscriptions: [{ subscriptionId: 'sub_1', partnerId: 'ptn_1', url: 'https://x' }],
    deliveryFailures: { windowMs: 3_600_000, since: '', subscriptions: [] },
    dashboardUrl: { available: true, value: 'https://console' },
  };

  it("a stage with no alarm, empty DLQs, a small lag and nothing overdue is healthy (disabled subscriptions are the partners' business)", () => {
    expect(problemsOf(healthy)).toEqual([]);
  });

  it('names every reason to act', () => {
    const problems = problemsOf({
      ...healthy,
      alarms: { available: true, value: [{ name: 'diplowire-dev-outbox-lagging', reason: 'r' }] },
      deadLetterQueues: [{ ...healthy.deadLetterQueues[0]!, visible: 2, inFlight: 1 }],
      outboxIteratorAgeMs: { available: true, value: 6 * 60_000 },
      held: { count: 3, overdue: 1, truncated: false },
    });
    expect(problems).toEqual([
      'alarm diplowire-dev-outbox-lagging is in ALARM',
      '3 message(s) in dead-letter queue q',
      'the outbox is 360 s behind',
      '1 held version(s) past their release time',
    ]);
  });

  it('what is unavailable (the local cloud) is not a problem', () => {
    expect(
      problemsOf({
        ...healthy,
        alarms: { available: false, reason: 'no CloudWatch' },
        outboxIteratorAgeMs: { available: false, reason: 'no CloudWatch' },
      }),
    ).toEqual([]);
  });

  it('failure rate counts the attempts made in the window', () => {
    const d = delivery('a', '2026-12-05T05:00:00Z', 'failed');
    d.attempts = [
      { sequence: 1, attempt: 1, at: '2026-12-05T04:00:00Z', outcome: 'failed', durationMs: 1 },
      { sequence: 1, attempt: 2, at: '2026-12-05T05:30:00Z', outcome: 'failed', durationMs: 1 },
      { sequence: 1, attempt: 3, at: '2026-12-05T05:40:00Z', outcome: 'succeeded', durationMs: 1 },
    ];
    expect(failureRateOf([d], '2026-12-05T05:00:00Z')).toEqual({ attempts: 2, failed: 1, rate: 0.5 });
    expect(failureRateOf([], '2026-12-05T05:00:00Z')).toEqual({ attempts: 0, failed: 0, rate: 0 });
  });
});
