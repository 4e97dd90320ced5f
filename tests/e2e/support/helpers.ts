/**
 * What the e2e tests do over real HTTP: partner API calls, the local EventBridge event log, the
 * partners CLI, and the seed article as a ninjs document.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Endpoints } from './local-cloud';
import { REPO_ROOT } from './synth';

export const SEED_BYTES = readFileSync(
  new URL('../../fixtures/seed/kuwait-belgium-call.ar.txt', import.meta.url),
);

/** The seed article as ninjs: the text file is the body, its first line the headline. */
export function seedArticle(uri = `urn:diplowire:e2e:seed:${randomUUID()}`): Record<string, unknown> {
  const text = SEED_BYTES.toString('utf8');
  return {
    uri,
    language: 'ar',
    headlines: [{ value: text.split('\n')[0] }],
    bodies: [{ role: 'main', contenttype: 'text/plain', value: text }],
  };
}

/** A small valid item with a distinct uri. */
export function smallItem(uri = `urn:diplowire:e2e:item:${randomUUID()}`): Record<string, unknown> {
  return {
    uri,
    language: 'ar',
    headlines: [{ value: 'الكويت وبلجيكا تبحثان العلاقات الثنائية' }],
    bodies: [{ role: 'main', contenttype: 'text/plain', value: `نص الخبر ${uri}` }],
  };
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
}

export function jsonOf<T = Record<string, unknown>>(result: HttpResult): T {
  return JSON.parse(result.text) as T;
}

export interface RequestOptions {
  body?: string;
  headers?: Record<string, string>;
  /** Send no Authorization header. */
  anonymous?: boolean;
  apiKey?: string;
}

/** The partner API of one running cloud, authenticated with `apiKey`. */
export function apiClient(endpoints: Endpoints, apiKey: string) {
  const request = async (method: string, path: string, options: RequestOptions = {}): Promise<HttpResult> => {
    const headers: Record<string, string> = { ...options.headers };
    if (!options.anonymous) headers.authorization = `Bearer ${options.apiKey ?? apiKey}`;
    const response = await fetch(`${endpoints.api}${path}`, {
      method,
      headers,
      ...(options.body !== undefined && { body: options.body }),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
  const jsonBody = (item: unknown, headers: Record<string, string> = {}) => ({
    body: JSON.stringify(item),
    headers: { 'content-type': 'application/json', ...headers },
  });
  return {
    request,
    submit: (item: unknown) => request('POST', '/v1/items', jsonBody(item)),
    get: (itemId: string) => request('GET', `/v1/items/${itemId}`),
    correct: (itemId: string, item: unknown, ifMatch: string) =>
      request('PUT', `/v1/items/${itemId}`, jsonBody(item, { 'if-match': ifMatch })),
    retract: (itemId: string, ifMatch: string) =>
      request('DELETE', `/v1/items/${itemId}`, { headers: { 'if-match': ifMatch } }),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

/** One entry of `GET <eventbridge>/_local/events`. */
export interface BusRecord {
  event: {
    id: string;
    'detail-type': string;
    source: string;
    time: string;
    detail: Record<string, unknown> & { eventId?: string; itemId?: string; version?: number; uri?: string };
  };
  matchedRules: string[];
  deliveries: Array<{ rule: string; target: string; attempts: number; outcome: string; error?: string }>;
}

/** The local EventBridge's log for the app's bus, oldest first. */
export async function eventsOnBus(endpoints: Endpoints, bus = endpoints.eventBusName): Promise<BusRecord[]> {
  const response = await fetch(`${endpoints.eventbridge}/_local/events?bus=${encodeURIComponent(bus)}`);
  if (response.status !== 200) throw new Error(`/_local/events answered ${response.status}`);
  const log = (await response.json()) as { buses: Record<string, BusRecord[]> };
  return log.buses[bus] ?? [];
}

/** One entry of the console's `GET /_local/invocations`: one run of a function (each async attempt is one). */
export interface InvocationRecord {
  function: string;
  requestId: string;
  startedAt: string;
  ok: boolean;
  errorType?: string;
  errorMessage?: string;
  trigger: string;
  event: string;
}

/** The runs of `fn` whose event, result or error mentions `contains`, oldest first. */
export async function invocationsOf(
  endpoints: Endpoints,
  fn: string,
  contains: string,
): Promise<InvocationRecord[]> {
  const query = new URLSearchParams({ function: fn, contains, limit: '1000' });
  const response = await fetch(`${endpoints.console}/_local/invocations?${query}`);
  if (response.status !== 200) throw new Error(`/_local/invocations answered ${response.status}`);
  return ((await response.json()) as { invocations: InvocationRecord[] }).invocations;
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  what = 'condition',
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(intervalMs);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const execFileAsync = promisify(execFile);

/** `npx tsx scripts/partners.ts --local create <name> --json` against the cloud whose data dir is given. */
export async function createPartnerWithCli(
  dataDir: string,
  name: string,
): Promise<{ partnerId: string; apiKey: string }> {
  const { stdout } = await execFileAsync(
    'npx',
    ['tsx', 'scripts/partners.ts', '--local', 'create', name, '--json'],
    { cwd: REPO_ROOT, env: { ...process.env, DIPLOWIRE_LOCAL_DIR: dataDir }, timeout: 60_000 },
  );
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as { partnerId: string; apiKey: string };
}

/** The real SQS client, pointed at the local SQS endpoint. */
export function localSqsClient(endpoints: Endpoints): SQSClient {
  return new SQSClient({
    endpoint: endpoints.sqs,
    region: endpoints.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/**
 * Accumulates every message of one queue, read with ReceiveMessage (all message attributes) and deleted
 * once read, so a test can wait for a message without caring which earlier poll received it.
 */
export function queueCollector(client: SQSClient, queueName: string) {
  const received: Message[] = [];
  let queueUrl: string | undefined;
  const poll = async (): Promise<Message[]> => {
    queueUrl ??= (await client.send(new GetQueueUrlCommand({ QueueName: queueName }))).QueueUrl;
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    for (const message of Messages) {
      received.push(message);
      await client.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
    return Messages;
  };
  return {
    received,
    /** One ReceiveMessage (1 s long poll); returns what it received. */
    poll,
    /** Polls until a received message satisfies `predicate`. */
    waitFor: (predicate: (message: Message) => boolean, timeoutMs: number, what: string) =>
      waitFor(
        async () => {
          const seen = received.find(predicate);
          if (seen) return seen;
          await poll();
          return received.find(predicate);
        },
        timeoutMs,
        what,
        0,
      ),
  };
}
