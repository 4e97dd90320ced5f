/**
 * The local cloud is for this machine only. Its servers bind loopback addresses, and every HTTP endpoint
 * also refuses requests whose `Host` is not a loopback name: a web page that rebinds its own DNS name to
 * 127.0.0.1 (DNS rebinding) reaches the port, but its requests still carry `Host: evil.example`.
 * Cross-site requests from a browser (an `Origin` that is not a loopback origin) are refused too: the
 * local endpoints check no signatures, so a page must not be able to send them even "simple" requests.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { isIP } from 'node:net';

/** True for a loopback IP literal: 127.0.0.0/8, ::1, and IPv4-mapped 127.x (`::ffff:127.0.0.1`). */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return bare.startsWith('127.');
  if (family === 6) {
    const lower = bare.toLowerCase();
    if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^(?:0:0:0:0:0:|::)ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    return mapped !== null && mapped[1]!.startsWith('127.');
  }
  return false;
}

/** The host part of a `Host` header value (`name`, `name:port`, `[v6]`, `[v6]:port`); undefined when malformed. */
function hostName(value: string): string | undefined {
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end === -1) return undefined;
    const rest = value.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    return value.slice(0, end + 1);
  }
  const match = /^([^:]+)(?::\d{1,5})?$/.exec(value);
  return match?.[1];
}

/** True when a `Host` header names this machine's loopback: localhost, 127.x.y.z or [::1], with or without a port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = hostName(host.trim());
  if (name === undefined) return false;
  if (name.toLowerCase() === 'localhost') return true;
  // An IPv6 literal is only valid in brackets in a Host header.
  if (name.startsWith('[')) return isIP(name.slice(1, -1)) === 6 && isLoopbackAddress(name);
  return isIP(name) === 4 && isLoopbackAddress(name);
}

/** True when an `Origin` header is absent (not a browser's cross-origin request) or a loopback origin. */
export function isLoopbackOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.host);
  } catch {
    // `Origin: null` (sandboxed frames, file: pages) and anything unparsable.
    return false;
  }
}

/** Why a request must be refused, or undefined when it may be served. */
export function loopbackRefusal(req: IncomingMessage): string | undefined {
  if (!isLoopbackHost(req.headers.host)) return 'the Host header is not a loopback name';
  const origin = req.headers.origin;
  if (!isLoopbackOrigin(Array.isArray(origin) ? origin[0] : origin))
    return 'the request comes from a page that is not served from this machine';
  return undefined;
}

/**
 * Wraps a server's request listener: requests that fail {@link loopbackRefusal} get a 403 with a JSON
 * message and never reach the listener. Every local HTTP endpoint is created through this.
 */
export function loopbackOnly(listener: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const refusal = loopbackRefusal(req);
    if (refusal === undefined) {
      listener(req, res);
      return;
    }
    const body = JSON.stringify({
      message: `Forbidden: ${refusal}. The local cloud only serves this machine (use 127.0.0.1 or localhost).`,
    });
    res.writeHead(403, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
    // Discard whatever body was sent; the connection closes after this response.
    req.resume();
  };
}

/** Fails fast when a local server is asked to listen beyond loopback. */
export function assertLoopbackBind(host: string): void {
  if (host.toLowerCase() !== 'localhost' && !isLoopbackAddress(host))
    throw new Error(
      `The local cloud listens on loopback only (asked for '${host}'): it holds API keys and webhook secrets and checks no credentials.`,
    );
}
