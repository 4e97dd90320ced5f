/**
 * The flooding partner of the fairness bench (bench/fairness.ts), in a process of its own: on AWS
 * the attacker's HTTP client runs on the attacker's machine, not beside partner B's client and the
 * system under test. In the bench's own process the flood's thousands of responses a second would
 * queue B's responses behind them on one event loop, and the figure would measure the load
 * generator rather than the API. The parent lowers this process's priority (nice 19) so that its
 * client work takes only CPU that B's client and the local cloud leave idle; the cloud still answers
 * every request it sends.
 *
 * Protocol (IPC): the parent sends one FloodOrder; the child sends 'started' once its loops run, then
 * floods until it receives 'stop', and answers with its FloodTally.
 */
import { randomUUID } from 'node:crypto';
import { smallItem } from '#tests/e2e/support/helpers.ts';

export interface FloodOrder {
  url: string;
  /** The flooder's key; absent: no Authorization header (refused by API Gateway, the floor). */
  apiKey?: string;
  concurrency: number;
}

export interface FloodTally {
  requests: number;
  limited: number;
}

async function flood(order: FloodOrder, stopped: () => boolean): Promise<FloodTally> {
  const tally: FloodTally = { requests: 0, limited: 0 };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (order.apiKey !== undefined) headers.authorization = `Bearer ${order.apiKey}`;
  await Promise.all(
    Array.from({ length: order.concurrency }, async () => {
      while (!stopped()) {
        const response = await fetch(order.url, {
          method: 'POST',
          headers,
          body: JSON.stringify(smallItem(`urn:diplowire:bench:flood:${randomUUID()}`)),
        });
        await response.arrayBuffer();
        tally.requests++;
        if (response.status === 429) tally.limited++;
      }
    }),
  );
  return tally;
}

if (process.send) {
  let stopping = false;
  process.once('message', (order: FloodOrder) => {
    const running = flood(order, () => stopping);
    process.send!('started');
    process.on('message', (message) => {
      if (message === 'stop') stopping = true;
    });
    void running.then((tally) => process.send!(tally, () => process.disconnect()));
  });
}
