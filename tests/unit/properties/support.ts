import type { Parameters } from 'fast-check';

/**
 * fast-check parameters of the property suites: a modest number of runs (they run on every unit
 * test run), and a fixed seed when `FC_SEED` is set, to replay a failure exactly (fast-check prints
 * the seed and the path of a failing run; `FC_SEED=<seed> npx vitest run <file>`).
 */
export function propertyRuns<T>(numRuns: number): Parameters<T> {
  const seed = process.env.FC_SEED;
  if (seed === undefined || seed === '') return { numRuns };
  if (!/^-?\d+$/.test(seed)) throw new RangeError(`FC_SEED must be an integer, got "${seed}"`);
  return { numRuns, seed: Number(seed) };
}
