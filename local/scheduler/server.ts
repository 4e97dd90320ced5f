/**
 * The REST-JSON face of the local EventBridge Scheduler, routed as the service's model routes it
 * (`POST|GET|PUT|DELETE /schedules/{Name}`, `GET /schedules`, `/schedule-groups[/{Name}]`,
 * `/tags/{ResourceArn}`). Errors carry `x-amzn-errortype` and `{"Message"}` as the SDK expects.
 * Signatures are not checked; calls signed by a local function are checked against its role
 * (`authorize`, local/iam). `GET /_local/schedules` shows the schedules and recent invocations.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SchedulerApiError } from './model';
import type { LocalScheduler } from './scheduler';

/** Request bodies are small JSON documents; anything larger is refused before it is buffered. */
const MAX_BODY_BYTES = 1_048_576;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new SchedulerApiError('ValidationException', 'Request body is too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  res.setHeader('x-amzn-errortype', type);
  send(res, status, { Message: message });
}

type Route = (
  scheduler: LocalScheduler,
  input: { name: string; query: URLSearchParams; body: unknown },
) => unknown;

const ROUTES: Record<string, Record<string, Route>> = {
  schedule: {
    POST: (s, { name, body }) => s.api.createSchedule(name, body),
    GET: (s, { name, query }) => s.api.getSchedule(name, query.get('groupName') ?? undefined),
    PUT: (s, { name, body }) => s.api.updateSchedule(name, body),
    DELETE: (s, { name, query }) => s.api.deleteSchedule(name, query.get('groupName') ?? undefined),
  },
  schedules: { GET: (s, { query }) => s.api.listSchedules(query) },
  group: {
    POST: (s, { name, body }) => s.api.createScheduleGroup(name, body),
    GET: (s, { name }) => s.api.getScheduleGroup(name),
    DELETE: (s, { name }) => s.api.deleteScheduleGroup(name),
  },
  groups: { GET: (s, { query }) => s.api.listScheduleGroups(query) },
  tags: {
    GET: (s, { name }) => s.api.listTags(name),
    POST: (s, { name, body }) => s.api.tagResource(name, body),
    DELETE: (s, { name, query }) => s.api.untagResource(name, query.getAll('TagKeys')),
  },
};

function route(pathname: string): { resource: string; name: string } | undefined {
  const match = /^\/(schedules|schedule-groups|tags)(?:\/([^/]+))?\/?$/.exec(pathname);
  if (match === null) return undefined;
  const [, collection, encoded] = match;
  let name = '';
  if (encoded !== undefined) {
    try {
      name = decodeURIComponent(encoded);
    } catch {
      return undefined;
    }
  }
  if (collection === 'tags') return encoded === undefined ? undefined : { resource: 'tags', name };
  const single = collection === 'schedules' ? 'schedule' : 'group';
  return encoded === undefined ? { resource: `${single}s`, name } : { resource: single, name };
}

export async function handleHttp(
  scheduler: LocalScheduler,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/_local/schedules') {
    send(res, 200, {
      groups: scheduler.state.groups,
      schedules: scheduler.state.schedules,
      inFlight: scheduler.state.invocations,
      invocations: scheduler.invocations(),
    });
    return;
  }
  const target = route(url.pathname);
  const handler = target === undefined ? undefined : ROUTES[target.resource]?.[req.method ?? ''];
  if (target === undefined || handler === undefined) {
    sendError(
      res,
      404,
      'UnknownOperationException',
      `No operation at ${req.method} ${url.pathname} in the local EventBridge Scheduler.`,
    );
    return;
  }
  try {
    const text = await readBody(req);
    let body: unknown = {};
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        sendError(res, 400, 'SerializationException', 'Request body is not valid JSON.');
        return;
      }
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      sendError(res, 400, 'SerializationException', 'Request body must be a JSON object.');
      return;
    }
    const denied = scheduler.authorizer?.(
      { headers: req.headers, url: req.url ?? '/' },
      { ...target, method: req.method ?? '', query: url.searchParams, body: body as Record<string, unknown> },
    );
    if (denied) {
      sendError(res, 403, 'AccessDeniedException', denied);
      return;
    }
    send(res, 200, handler(scheduler, { name: target.name, query: url.searchParams, body }));
  } catch (error) {
    if (error instanceof SchedulerApiError) sendError(res, error.status, error.type, error.message);
    else throw error;
  }
}
