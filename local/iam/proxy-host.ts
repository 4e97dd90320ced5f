/**
 * Starts the authorizing proxies on their own worker thread (proxy-thread.ts) and talks to it: the
 * principals the main thread's IamAuthority creates, a barrier that they have all arrived, the
 * thread's log lines, and its close.
 */
import { Worker } from 'node:worker_threads';
import type { Principal } from './authority';
import type { ProxyThreadData, ProxyThreadOrder, ProxyThreadReport } from './proxy-thread';

export interface ProxyThread {
  dynamodbEndpoint: string;
  translateEndpoint?: string;
  /** Lets the proxies attribute requests signed with `accessKeyId` to `principal`. */
  admit(accessKeyId: string, principal: Principal): void;
  /** Resolves once the thread has taken every principal admitted before the call. */
  synced(): Promise<void>;
  close(): Promise<void>;
}

const ENTRY = new URL('./proxy-thread.mjs', import.meta.url);
/** How long a close may take before the thread is terminated. */
const CLOSE_GRACE_MS = 5_000;

export async function startProxyThread(
  data: ProxyThreadData,
  log: (line: string) => void,
): Promise<ProxyThread> {
  const worker = new Worker(ENTRY, { workerData: data, execArgv: [] });
  const order = (message: ProxyThreadOrder) => worker.postMessage(message);
  const syncs = new Map<number, () => void>();
  let nextSync = 1;
  let closed: (() => void) | undefined;
  let exited = false;

  const listening = new Promise<Extract<ProxyThreadReport, { type: 'listening' }>>((resolve, reject) => {
    worker.on('message', (report: ProxyThreadReport) => {
      if (report.type === 'listening') resolve(report);
      else if (report.type === 'failed') reject(new Error(`IAM proxy thread: ${report.message}`));
      else if (report.type === 'log') log(report.line);
      else if (report.type === 'synced') {
        syncs.get(report.id)?.();
        syncs.delete(report.id);
      } else closed?.();
    });
    worker.once('error', (error) => {
      log(`[iam] proxy thread failed: ${error.message}`);
      reject(error);
    });
    worker.once('exit', (code) => {
      exited = true;
      reject(new Error(`IAM proxy thread exited with code ${code} before listening`));
      for (const done of syncs.values()) done();
      closed?.();
    });
  });
  let ready: Extract<ProxyThreadReport, { type: 'listening' }>;
  try {
    ready = await listening;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  return {
    dynamodbEndpoint: ready.dynamodbEndpoint,
    ...(ready.translateEndpoint && { translateEndpoint: ready.translateEndpoint }),
    admit: (accessKeyId, principal) => order({ type: 'admit', accessKeyId, principal }),
    synced: () =>
      exited
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const id = nextSync++;
            syncs.set(id, resolve);
            order({ type: 'sync', id });
          }),
    close: async () => {
      if (exited) return;
      const done = new Promise<void>((resolve) => {
        closed = resolve;
      });
      order({ type: 'close' });
      const grace = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
      await Promise.race([done, grace]);
      await worker.terminate();
    },
  };
}
