import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/domain/errors.ts';
import { parseSubscriptionRequest } from '#shared/domain/webhooks/registration.ts';
import {
  DEFAULT_DELIVERIES_PER_SECOND,
  nextSlot,
  pausedTat,
  sendRateOf,
} from '#shared/domain/webhooks/send-rate.ts';

const NOW = 1_000_000;

describe('send rate (GCRA)', () => {
  it('defaults to 50 a second with bursts of 100; a subscription may set its own', () => {
    expect(sendRateOf({})).toEqual({ perSecond: DEFAULT_DELIVERIES_PER_SECOND, burst: 100 });
    expect(DEFAULT_DELIVERIES_PER_SECOND).toBe(50);
    expect(sendRateOf({ maxDeliveriesPerSecond: 1 })).toEqual({ perSecond: 1, burst: 2 });
  });

  it('lets a burst go at once, then spaces sends at the rate, each reserving its own slot', () => {
    const rate = { perSecond: 2, burst: 3 };
    let tat: number | undefined;
    const slots: number[] = [];
    for (let i = 0; i < 6; i++) {
      const next = nextSlot(tat, NOW, rate);
      slots.push(next.slotAt - NOW);
      tat = next.tat;
    }
    expect(slots).toEqual([0, 0, 0, 500, 1000, 1500]);
  });

  it('forgets an old backlog: after a quiet spell the burst is available again', () => {
    const rate = { perSecond: 2, burst: 3 };
    expect(nextSlot(NOW - 60_000, NOW, rate)).toEqual({ slotAt: NOW, tat: NOW + 500 });
  });

  it('holds every send until a pause ends, then resumes at the rate', () => {
    const rate = { perSecond: 2, burst: 3 };
    let tat: number | undefined = pausedTat(NOW + 30_000, rate);
    const slots: number[] = [];
    for (let i = 0; i < 3; i++) {
      const next = nextSlot(tat, NOW, rate);
      slots.push(next.slotAt - NOW);
      tat = next.tat;
    }
    expect(slots).toEqual([30_000, 30_500, 31_000]);
  });
});

describe('maxDeliveriesPerSecond in a subscription request', () => {
  const registrant = { partnerId: 'ptn_01JD8X0000000000000000000A', scopes: new Set<string>() };
  const policy = { requireHttps: true, allowLoopback: false };
  const body = (extra: object) => ({
    url: 'https://hooks.example.org/x',
    eventTypes: ['NewsItemPublished'],
    ...extra,
  });

  it('accepts 1 to 100, and leaves it out when absent (the default applies)', () => {
    expect(parseSubscriptionRequest(body({ maxDeliveriesPerSecond: 1 }), registrant, policy)).toMatchObject({
      maxDeliveriesPerSecond: 1,
    });
    expect(parseSubscriptionRequest(body({}), registrant, policy)).not.toHaveProperty(
      'maxDeliveriesPerSecond',
    );
  });

  it.each([0, 101, 2.5, '10', null])('refuses %s with a pointer', (value) => {
    try {
      parseSubscriptionRequest(body({ maxDeliveriesPerSecond: value }), registrant, policy);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors).toEqual([
        { pointer: '/maxDeliveriesPerSecond', message: 'a whole number from 1 to 100' },
      ]);
    }
  });
});
