import { EndpointCache as SdkEndpointCache } from '@aws-sdk/endpoint-cache';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EndpointCache } from '#shared/adapters/clients/lambda-endpoint-cache.ts';

/** The bundles' stand-in must behave as the SDK's own cache, step for step. */
type Cache = Pick<SdkEndpointCache, 'get' | 'set' | 'delete' | 'has' | 'clear' | 'getEndpoint'>;

function script(cache: Cache): unknown[] {
  const seen: unknown[] = [];
  const look = () => seen.push(['a', 'b', 'c', 'd'].map((key) => [cache.has(key), cache.get(key)]));
  cache.set('a', [{ Address: 'a1', CachePeriodInMinutes: 1 }]);
  cache.set('b', [{ Address: 'b1', CachePeriodInMinutes: 10 }]);
  look();
  // Capacity 2: reading `a` makes `b` the least recently used, so `c` evicts `b`.
  cache.get('a');
  cache.set('c', [{ Address: 'c1', CachePeriodInMinutes: 10 }]);
  look();
  vi.advanceTimersByTime(61_000);
  // `a` expired: get() answers nothing and empties it.
  look();
  seen.push(cache.getEndpoint('c'), cache.getEndpoint('a'));
  cache.delete('c');
  cache.set('d', [{ Address: 'd1', CachePeriodInMinutes: 5 }]);
  look();
  cache.clear();
  look();
  return seen;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('lambda-endpoint-cache', () => {
  it('behaves like @aws-sdk/endpoint-cache: expiry, delete, LRU eviction at capacity, clear', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const expected = script(new SdkEndpointCache(2));
    vi.setSystemTime(Date.UTC(2026, 0, 1));
    const actual = script(new EndpointCache(2));
    expect(actual).toEqual(expected);
    // The script saw every kind of answer, so the comparison means something.
    expect(JSON.stringify(expected)).toContain('"c1"');
    expect(expected).toContainEqual(expect.arrayContaining([[false, undefined]]));
  });
});
