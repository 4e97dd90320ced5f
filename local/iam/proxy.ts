/**
 * An authorizing reverse proxy for AWS JSON-protocol services the local cloud does not implement
 * itself (DynamoDB Local, a Translate endpoint): functions reach the service only through it. A
 * request signed with a function's credentials is checked against that function's role before it
 * is forwarded; a refused one gets the service's AccessDeniedException and never reaches the service.
 */
import { randomUUID } from 'node:crypto';
import {
  createServer,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { assertLoopbackBind, loopbackOnly } from '../support/loopback';
import type { Denial, IamAuthority } from './authority';
import type { AuthorizationRequest } from './policy';

export interface AuthorizingProxyOptions {
  /** The service's own endpoint, e.g. DynamoDB Local's `http://127.0.0.1:8000`. */
  upstream: string;
  authority: IamAuthority;
  /** The authorization requests of one call (`X-Amz-Target` and its JSON body). */
  describe(target: string, input: Record<string, unknown>): AuthorizationRequest[];
  /** The service's refusal: HTTP status and JSON body (with `__type`). */
  denied(denial: Denial): { status: number; body: Record<string, unknown>; contentType: string };
  log: (line: string) => void;
}

export interface AuthorizingProxy {
  endpoint: string;
  close(): Promise<void>;
}

/** Headers that describe one hop, not the request (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);

export async function startAuthorizingProxy(
  options: AuthorizingProxyOptions,
  port = 0,
  host = '127.0.0.1',
): Promise<AuthorizingProxy> {
  assertLoopbackBind(host);
  const upstream = new URL(options.upstream);
  const secure = upstream.protocol === 'https:';
  // Connections to the service are reused, as the SDK's own keep-alive would.
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())),
    );
    headers.host = upstream.host;
    headers['content-length'] = String(body.length);
    const basePath = upstream.pathname.replace(/\/+$/, '');
    const outgoing = send(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: `${basePath}${req.url ?? '/'}`,
        headers,
        agent,
      },
      (answer) => {
        const replyHeaders = Object.fromEntries(
          Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())),
        );
        res.writeHead(answer.statusCode ?? 502, replyHeaders);
        answer.pipe(res);
      },
    );
    outgoing.on('error', (error) => {
      options.log(`${upstream.host} unreachable: ${error.message}`);
      if (!res.headersSent)
        sendJson(
          res,
          503,
          { __type: 'ServiceUnavailableException', message: 'The service is unavailable.' },
          'application/x-amz-json-1.0',
        );
      else res.destroy();
    });
    outgoing.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const principal = options.authority.principalOf(req.headers, req.url);
    if (principal && options.authority.enabled) {
      const target = String(req.headers['x-amz-target'] ?? '');
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        input = undefined; // the service answers its own SerializationException
      }
      if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
        const denial = options.authority.authorize(
          principal,
          options.describe(target, input as Record<string, unknown>),
        );
        if (denial) {
          const refusal = options.denied(denial);
          sendJson(res, refusal.status, refusal.body, refusal.contentType);
          return;
        }
      }
    }
    forward(req, res, body);
  };

  const server: Server = createServer(
    loopbackOnly((req, res) => {
      handle(req, res).catch((error: unknown) => {
        options.log(`proxy error: ${(error as Error).message}`);
        if (!res.headersSent)
          sendJson(res, 500, { __type: 'InternalFailure', message: 'internal error' }, 'application/json');
      });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${address.port}`,
    close: async () => {
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, contentType: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

/** DynamoDB's refusal (JSON 1.0), as DynamoDB sends it: HTTP 400, a coral `__type` and `Message`. */
export function dynamoDbDenied(denial: Denial) {
  return {
    status: 400,
    body: { __type: 'com.amazon.coral.service#AccessDeniedException', Message: denial.message },
    contentType: 'application/x-amz-json-1.0',
  };
}

/** Translate's refusal (JSON 1.1): HTTP 400 `AccessDeniedException`. */
export function translateDenied(denial: Denial) {
  return {
    status: 400,
    body: { __type: 'AccessDeniedException', Message: denial.message },
    contentType: 'application/x-amz-json-1.1',
  };
}
