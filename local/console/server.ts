/**
 * The local console: a small web page (plain HTML, CSS and one ES module, no build step) served on
 * loopback by `npm start`. It shows what the local cloud already records. The page talks to the
 * product only through the public API with the demo partner's key (proxied under `/api`), and to the
 * emulators through their `/_local` inspection endpoints (proxied here, so the page has one origin).
 *
 * Guards, because this server holds an API key: it listens on 127.0.0.1 only; like every local endpoint
 * it refuses a non-loopback Host (DNS rebinding) or Origin (`loopbackOnly`); and anything that changes
 * state needs the `x-diplowire-console` header, which a page of another origin (even another port on
 * this machine) cannot send without a CORS preflight this server never answers.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import type { LocalEndpoints } from '../cloud';
import { loopbackOnly } from '../support/loopback';
import type { InvocationLog } from './invocations';

export interface ConsoleOptions {
  port: number;
  endpoints: LocalEndpoints;
  invocations: InvocationLog;
  apiKey?: string;
  partnerId?: string;
  /** A rendered API reference to serve at /docs (a directory with index.html), when one was built. */
  docsDir?: string;
  log: (line: string) => void;
}

export interface ConsoleServer {
  url: string;
  close(): Promise<void>;
}

const STATIC_DIR = join(import.meta.dirname, 'static');
/** The seed article, for the page's "Load the seed article" button. */
const EXAMPLES_DIR = join(import.meta.dirname, '..', '..', 'examples');
const HOST = '127.0.0.1';
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};
/** SQS operations the page may call (through `POST /_local/sqs`): the redrive of a dead-letter queue. */
const SQS_OPERATIONS = new Set(['StartMessageMoveTask', 'ListMessageMoveTasks', 'CancelMessageMoveTask']);
/** Request headers passed on to the API. */
const API_HEADERS = ['authorization', 'content-type', 'if-match', 'if-none-match', 'accept'];
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function startConsole(options: ConsoleOptions): Promise<ConsoleServer> {
  let origin = '';
  const server: Server = createServer(
    loopbackOnly((req, res) => {
      handle(req, res).catch((error: unknown) => {
        options.log(`${req.method} ${req.url} failed: ${(error as Error).message}`);
        if (!res.headersSent) sendJson(res, 502, { title: 'The console could not reach the local cloud.' });
        else res.destroy();
      });
    }),
  );

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', origin);
    const method = req.method ?? 'GET';
    if (STATE_CHANGING.has(method) && req.headers['x-diplowire-console'] !== '1') {
      sendJson(res, 403, { title: 'State-changing console requests need the x-diplowire-console header.' });
      return;
    }
    const path = url.pathname;
    if (path === '/config.json') {
      sendJson(res, 200, {
        api: options.endpoints.api,
        region: options.endpoints.region,
        ...(options.apiKey && { apiKey: options.apiKey }),
        ...(options.partnerId && { partnerId: options.partnerId }),
      });
      return;
    }
    if (path === '/api' || path.startsWith('/api/')) {
      await proxy(req, res, `${options.endpoints.api}${path.slice('/api'.length)}${url.search}`, API_HEADERS);
      return;
    }
    if (path === '/_local/events' || path === '/_local/rules') {
      await proxy(req, res, `${options.endpoints.eventbridge}${path}${url.search}`, []);
      return;
    }
    if (path === '/_local/queues' || path.startsWith('/_local/queues/')) {
      await proxy(req, res, `${options.endpoints.sqs}${path}${url.search}`, []);
      return;
    }
    if (path === '/_local/sqs' && method === 'POST') {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
      if (!SQS_OPERATIONS.has(operation)) {
        sendJson(res, 400, { title: `The console does not call SQS ${operation || '(no operation)'}.` });
        return;
      }
      await proxy(req, res, options.endpoints.sqs, ['content-type', 'x-amz-target']);
      return;
    }
    if (path === '/_local/invocations' && method === 'GET') {
      const number = (name: string) => {
        const raw = url.searchParams.get(name);
        return raw === null || !/^\d+$/.test(raw) ? undefined : Number(raw);
      };
      const contains = url.searchParams.get('contains') ?? undefined;
      const fn = url.searchParams.get('function') ?? undefined;
      const after = number('after');
      const limit = number('limit');
      sendJson(res, 200, {
        invocations: options.invocations.query({
          ...(contains && { contains }),
          ...(fn && { function: fn }),
          ...(after !== undefined && { after }),
          ...(limit !== undefined && { limit }),
        }),
      });
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      sendJson(res, 405, { title: 'Method not allowed.' });
      return;
    }
    if (path === '/docs' || path.startsWith('/docs/')) {
      if (!options.docsDir) {
        sendJson(res, 404, { title: 'No API reference was built.' });
        return;
      }
      if (path === '/docs') {
        // Relative links in the page (redoc.standalone.js, openapi.json) need the trailing slash.
        res.writeHead(308, { location: '/docs/' });
        res.end();
        return;
      }
      await sendFile(res, options.docsDir, path.slice('/docs'.length));
      return;
    }
    if (path === '/examples/seed-article.json') {
      await sendFile(res, EXAMPLES_DIR, '/seed-article.json');
      return;
    }
    await sendFile(res, STATIC_DIR, path);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${HOST}:${port}`;
  options.log(`console on ${origin}`);
  return {
    url: origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  target: string,
  passHeaders: readonly string[],
): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of passHeaders) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const method = req.method ?? 'GET';
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
  const response = await fetch(target, { method, headers, ...(body !== undefined && { body }) });
  const out: Record<string, string> = { 'cache-control': 'no-store' };
  for (const name of ['content-type', 'etag', 'location', 'retry-after']) {
    const value = response.headers.get(name);
    if (value !== null) out[name] = value;
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, { ...out, 'content-length': bytes.length });
  res.end(method === 'HEAD' ? undefined : bytes);
}

async function sendFile(res: ServerResponse, root: string, path: string): Promise<void> {
  const relative = path === '/' ? '/index.html' : path;
  // Only plain file names under the root: no traversal, no hidden files.
  if (!/^(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)+$/.test(relative) || relative.includes('..')) {
    sendJson(res, 404, { title: 'Not found.' });
    return;
  }
  let content: Buffer;
  try {
    content = await readFile(join(root, relative));
  } catch {
    sendJson(res, 404, { title: 'Not found.' });
    return;
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(relative)] ?? 'application/octet-stream',
    'content-length': content.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(extname(relative) === '.html' && {
      // Redoc (under /docs) styles with inline styles and runs its search in a blob: worker.
      'content-security-policy':
        "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; frame-ancestors 'none'",
    }),
  });
  res.end(content);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
