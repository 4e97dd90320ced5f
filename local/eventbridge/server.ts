/**
 * The AWS JSON 1.1 face of the local EventBridge (`X-Amz-Target: AWSEvents.<Operation>`). Signatures are
 * not checked; calls signed by a local function are checked against its role (`authorize`, local/iam). `GET /_local/events[?bus=name]` exposes the event log,
 * `GET /_local/rules` the rules with their targets.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalEventBridge } from './bus';
import { AwsApiError } from './errors';

const CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'AWSEvents.';

// biome-ignore lint/suspicious/noExplicitAny: request bodies are untyped JSON checked by each operation
type Operation = (bridge: LocalEventBridge, input: any) => unknown;

const OPERATIONS: Record<string, Operation> = {
  PutEvents: (bridge, input) => bridge.putEvents(input.Entries),
  TestEventPattern: (bridge, input) => ({ Result: bridge.testEventPattern(input.EventPattern, input.Event) }),
  ListRules: (bridge, input) => bridge.listRules(input),
  DescribeRule: (bridge, input) => bridge.describeRule(input),
  ListEventBuses: (bridge, input) => bridge.listEventBuses(input),
  ListArchives: (bridge, input) => bridge.listArchives(input),
  DescribeArchive: (bridge, input) => bridge.describeArchive(input),
  StartReplay: (bridge, input) => bridge.startReplay(input),
  DescribeReplay: (bridge, input) => bridge.describeReplay(input),
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, contentType = CONTENT_TYPE): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: AwsApiError): void {
  res.setHeader('x-amzn-errortype', error.type);
  send(res, error.status, { __type: error.type, message: error.message });
}

export async function handleHttp(
  bridge: LocalEventBridge,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/_local/events') {
    send(res, 200, bridge.eventLog(url.searchParams.get('bus') ?? undefined), 'application/json');
    return;
  }
  if (req.method === 'GET' && url.pathname === '/_local/rules') {
    send(res, 200, { rules: bridge.ruleDefinitions() }, 'application/json');
    return;
  }
  const body = await readBody(req);
  const target = req.headers['x-amz-target'];
  if (req.method !== 'POST' || typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) {
    sendError(res, new AwsApiError('UnknownOperationException', 'Missing or unknown X-Amz-Target header.'));
    return;
  }
  const operation = OPERATIONS[target.slice(TARGET_PREFIX.length)];
  if (operation === undefined) {
    sendError(
      res,
      new AwsApiError(
        'UnknownOperationException',
        `Operation ${target} is not supported by the local EventBridge.`,
      ),
    );
    return;
  }
  let input: unknown;
  try {
    input = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    sendError(res, new AwsApiError('SerializationException', 'Request body is not valid JSON.'));
    return;
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    sendError(res, new AwsApiError('SerializationException', 'Request body must be a JSON object.'));
    return;
  }
  try {
    const verdict = bridge.authorizer?.(
      { headers: req.headers, url: req.url ?? '/' },
      target.slice(TARGET_PREFIX.length),
      input as Record<string, unknown>,
    );
    if (verdict && 'denied' in verdict) throw new AwsApiError('AccessDeniedException', verdict.denied);
    send(
      res,
      200,
      verdict
        ? putAllowedEntries(bridge, input as { Entries?: unknown[] }, verdict.entryErrors)
        : operation(bridge, input),
    );
  } catch (error) {
    if (error instanceof AwsApiError) sendError(res, error);
    else throw error;
  }
}

/** PutEvents with some entries refused by IAM: the others are put, each result in its entry's place. */
function putAllowedEntries(
  bridge: LocalEventBridge,
  input: { Entries?: unknown[] },
  errors: Array<{ ErrorCode: string; ErrorMessage: string } | undefined>,
): unknown {
  const entries = input.Entries ?? [];
  const allowed = entries.filter((_, i) => errors[i] === undefined);
  const results = allowed.length > 0 ? bridge.putEvents(allowed as never).Entries : [];
  let next = 0;
  const merged = entries.map((_, i) => errors[i] ?? results[next++]);
  return { FailedEntryCount: merged.filter((r) => r && 'ErrorCode' in r).length, Entries: merged };
}
