/**
 * The authorizing proxies (DynamoDB Local, and a Translate endpoint when there is one) on a worker
 * thread of their own. Every DynamoDB call of every local function passes through them: on the
 * cloud's main thread, which also serves the API, EventBridge, SQS and Scheduler, each call's
 * loopback reads and writes queued behind that traffic and delayed it in turn (docs/local-cloud.md,
 * "IAM"). Here the proxies run beside it; the checks are the same code (proxy.ts, authority.ts).
 *
 * The main thread keeps the IamAuthority that hands out credentials; each principal it creates is
 * sent here (`admit`) before any function can sign with it (LocalIam.synced), and every denial is
 * logged back through the main thread's log.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { IamAuthority, type Principal } from './authority';
import { dynamoDbRequests, type KeySchemas } from './dynamodb';
import { type AuthorizingProxy, dynamoDbDenied, startAuthorizingProxy, translateDenied } from './proxy';
import { translateRequests } from './services';

export interface ProxyThreadData {
  enabled: boolean;
  accountId: string;
  region: string;
  host: string;
  dynamodbUpstream: string;
  translateUpstream?: string;
  keys: KeySchemas;
}

/** Main thread -> proxy thread. */
export type ProxyThreadOrder =
  | { type: 'admit'; accessKeyId: string; principal: Principal }
  | { type: 'sync'; id: number }
  | { type: 'close' };

/** Proxy thread -> main thread. */
export type ProxyThreadReport =
  | { type: 'listening'; dynamodbEndpoint: string; translateEndpoint?: string }
  | { type: 'failed'; message: string }
  | { type: 'log'; line: string }
  | { type: 'synced'; id: number }
  | { type: 'closed' };

async function serve(data: ProxyThreadData, port: MessagePort): Promise<void> {
  const report = (message: ProxyThreadReport) => port.postMessage(message);
  const log = (line: string) => report({ type: 'log', line });
  // Roles are not needed here: principals arrive whole (with their policies) from the main thread.
  const authority = new IamAuthority({
    enabled: data.enabled,
    accountId: data.accountId,
    roles: new Map(),
    log,
  });
  const scope = { region: data.region, accountId: data.accountId };
  const proxies: AuthorizingProxy[] = [];
  port.on('message', (order: ProxyThreadOrder) => {
    if (order.type === 'admit') authority.admit(order.accessKeyId, order.principal);
    else if (order.type === 'sync') report({ type: 'synced', id: order.id });
    else
      void Promise.all(proxies.map((p) => p.close())).finally(() => {
        report({ type: 'closed' });
        port.close();
      });
  });
  try {
    const dynamodb = await startAuthorizingProxy(
      {
        upstream: data.dynamodbUpstream,
        authority,
        describe: (target, input) => dynamoDbRequests(target, input, { ...scope, keys: data.keys }),
        denied: dynamoDbDenied,
        log: (line) => log(`[dynamodb] ${line}`),
      },
      0,
      data.host,
    );
    proxies.push(dynamodb);
    const translate = data.translateUpstream
      ? await startAuthorizingProxy(
          {
            upstream: data.translateUpstream,
            authority,
            describe: (target) => translateRequests(target),
            denied: translateDenied,
            log: (line) => log(`[translate] ${line}`),
          },
          0,
          data.host,
        )
      : undefined;
    if (translate) proxies.push(translate);
    report({
      type: 'listening',
      dynamodbEndpoint: dynamodb.endpoint,
      ...(translate && { translateEndpoint: translate.endpoint }),
    });
  } catch (error) {
    await Promise.all(proxies.map((p) => p.close()));
    report({ type: 'failed', message: (error as Error).message });
    port.close();
  }
}

if (parentPort) void serve(workerData as ProxyThreadData, parentPort);
