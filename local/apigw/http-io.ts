/** Reading a request's body under the payload limit and writing a response, over node:http. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpResponse } from './response';

/**
 * Reads the request body up to `limit` bytes. Past the limit it stops buffering, discards the rest and
 * resolves undefined; a client that keeps sending far beyond the limit is disconnected.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  return new Promise((resolve, reject) => {
    if (Number.isFinite(declared) && declared > limit) {
      discard(req, limit);
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        chunks.length = 0;
        discard(req, limit);
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size));
    req.on('data', onData);
    req.on('end', onEnd);
    req.once('error', reject);
  });
}

/** Drains without buffering so the client can read the 413; cuts off clients that keep streaming. */
function discard(req: IncomingMessage, allowance: number): void {
  let discarded = 0;
  // The client may hang up once it sees the 413; that is not an error worth surfacing.
  req.on('error', () => {});
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > allowance * 2) req.socket.destroy();
  });
  req.resume();
}

export function writeResponse(res: ServerResponse, response: HttpResponse, requestId: string): void {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of response.headers) {
    const values = grouped.get(name) ?? [];
    values.push(value);
    grouped.set(name, values);
  }
  for (const [name, values] of grouped) {
    res.setHeader(name, name === 'set-cookie' || values.length > 1 ? values : values[0]!);
  }
  res.setHeader('apigw-requestid', requestId);
  res.setHeader('content-length', response.body.length);
  res.writeHead(response.statusCode);
  res.end(response.body);
}

/** The client's address as API Gateway reports it (`sourceIp`): IPv4-mapped IPv6 addresses unwrapped. */
export function normaliseIp(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
