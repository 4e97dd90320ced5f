import { availableParallelism } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { BackgroundSlots, defaultBackgroundConcurrency } from '#local/lambda/background-slots.ts';

describe('BackgroundSlots', () => {
  it('hands out at most `size` slots; the next holder is the longest waiter', async () => {
    const slots = new BackgroundSlots(2);
    const first = await slots.acquire();
    const second = await slots.acquire();
    const order: string[] = [];
    const third = slots.acquire().then((release) => {
      order.push('third');
      return release;
    });
    const fourth = slots.acquire().then((release) => {
      order.push('fourth');
      return release;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    expect({ inUse: slots.inUse, queued: slots.queued }).toEqual({ inUse: 2, queued: 2 });
    first();
    (await third)();
    second();
    (await fourth)();
    expect(order).toEqual(['third', 'fourth']);
    expect({ inUse: slots.inUse, queued: slots.queued }).toEqual({ inUse: 0, queued: 0 });
  });

  it('ignores a second release of the same slot', async () => {
    const slots = new BackgroundSlots(1);
    const release = await slots.acquire();
    release();
    release();
    expect(slots.inUse).toBe(0);
    const again = await slots.acquire();
    expect(slots.inUse).toBe(1);
    const waiting = slots.acquire();
    await new Promise((r) => setTimeout(r, 10));
    expect(slots.queued).toBe(1);
    again();
    (await waiting)();
    expect(slots.inUse).toBe(0);
  });

  it('refuses a size below one', () => {
    expect(() => new BackgroundSlots(0)).toThrow(RangeError);
    expect(() => new BackgroundSlots(1.5)).toThrow(RangeError);
  });

  it('tryAcquire takes a free slot at once, and none while all are taken or others wait', async () => {
    const slots = new BackgroundSlots(1);
    const release = slots.tryAcquire();
    expect(release).toBeTypeOf('function');
    expect(slots.tryAcquire()).toBeUndefined();
    const waiting = slots.acquire();
    release!();
    (await waiting)();
    expect(slots.inUse).toBe(0);
  });

  it('lends the slot of a holder that has run lendAfterMs to the next waiter, up to max', async () => {
    const slots = new BackgroundSlots(1, { max: 2, lendAfterMs: 60 });
    const first = await slots.acquire();
    let second: (() => void) | undefined;
    void slots.acquire().then((release) => {
      second = release;
    });
    let third: (() => void) | undefined;
    void slots.acquire().then((release) => {
      third = release;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(second).toBeUndefined();
    expect({ inUse: slots.inUse, queued: slots.queued, capacity: slots.capacity }).toEqual({
      inUse: 1,
      queued: 2,
      capacity: 1,
    });
    await vi.waitFor(() => expect(second).toBeTypeOf('function'));
    expect(slots.inUse).toBe(2);
    // max reached: the third waits however long the others run.
    await new Promise((r) => setTimeout(r, 150));
    expect(third).toBeUndefined();
    expect(slots.capacity).toBe(2);
    first();
    await vi.waitFor(() => expect(third).toBeTypeOf('function'));
    second!();
    third!();
    expect({ inUse: slots.inUse, queued: slots.queued }).toEqual({ inUse: 0, queued: 0 });
  });

  it('lends nothing while holders finish before lendAfterMs, and nothing without a larger max', async () => {
    const lending = new BackgroundSlots(1, { max: 4, lendAfterMs: 10_000 });
    const fixed = new BackgroundSlots(1, { lendAfterMs: 1 });
    expect(fixed.max).toBe(1);
    for (const slots of [lending, fixed]) {
      const first = await slots.acquire();
      let next: (() => void) | undefined;
      void slots.acquire().then((release) => {
        next = release;
      });
      await new Promise((r) => setTimeout(r, 30));
      expect(next).toBeUndefined();
      expect(slots.tryAcquire()).toBeUndefined();
      first();
      await vi.waitFor(() => expect(next).toBeTypeOf('function'));
      next!();
    }
  });

  it('refuses a max below the size', () => {
    expect(() => new BackgroundSlots(2, { max: 1 })).toThrow(RangeError);
    expect(() => new BackgroundSlots(2, { max: 2.5 })).toThrow(RangeError);
  });

  it("defaults to a function's fair share of the machine: the cores, at least two", () => {
    expect(defaultBackgroundConcurrency()).toBe(Math.max(2, availableParallelism()));
  });
});
