/** Bounded concurrency for independent I/O (the caller's ports do the I/O; this only schedules it). */

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** `work` over `inputs`, at most `limit` at a time, outcomes in input order. */
export async function mapInOrder<I, T>(
  inputs: I[],
  limit: number,
  work: (input: I) => Promise<T>,
): Promise<Outcome<T>[]> {
  const outcomes: Outcome<T>[] = new Array(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const index = next++;
      try {
        outcomes[index] = { ok: true, value: await work(inputs[index]!) };
      } catch (error) {
        outcomes[index] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return outcomes;
}
