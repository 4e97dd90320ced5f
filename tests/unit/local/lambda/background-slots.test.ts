import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
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

  it("defaults to a function's fair share of the machine: the cores, at least two", () => {
    expect(defaultBackgroundConcurrency()).toBe(Math.max(2, availableParallelism()));
  });
});
