import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { SendResult } from '../../domain/webhooks/outcome';
import type { WebhookRequest, WebhookSender } from '../../domain/webhooks/ports';
import { blockedAddressReason } from '../../domain/webhooks/url-policy';
import { webhookHeaders } from './signing';

export interface HttpWebhookSenderOptions {
  /** Open exactly 127.0.0.1 and ::1 (local development); every other private address stays blocked. */
  allowLoopback: boolean;
  /** Whole-request deadline (connect, send, response headers and the excerpt). */
  timeoutMs?: number;
  /** DNS lookup override (tests map names to addresses); its answers are checked like the system's. */
  lookup?: LookupFunction;
}

export const SEND_TIMEOUT_MS = 15_000;
/** Response bytes read for the excerpt; the rest is discarded unread. */
const RESPONSE_BYTES_READ = 1024;

/** A connection refused because the address is not public unicast (the reason names its range). */
export class BlockedAddressError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(`${host} resolved to ${address}, ${reason}`);
    this.name = 'BlockedAddressError';
  }
}

/**
 * Wraps a DNS lookup so that a connection fails when any answer is not allowed (one private answer
 * is enough, as at registration). Node's `net` calls it for every host name it connects to, with
 * `all: true` when it may try several addresses, so the address checked is the one connected to.
 */
export function filteringLookup(
  policy: { allowLoopback: boolean },
  lookup: LookupFunction = dnsLookup as LookupFunction,
): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      const answers: LookupAddress[] = Array.isArray(address) ? address : [{ address, family: family ?? 0 }];
      for (const answer of answers) {
        const reason = blockedAddressReason(answer.address, policy);
        if (reason !== undefined)
          return callback(new BlockedAddressError(hostname, answer.address, reason), address, family);
      }
      callback(null, address, family);
    });
  };
}

/**
 * POSTs a webhook, signed the Standard Webhooks way (`signing.ts`). At connect time it refuses any
 * address that is not public unicast, by the ranges registration checks (`url-policy.ts`): an IP
 * literal before connecting, a host name's answers in the lookup (so a hostname re-pointed at
 * 169.254.169.254 or 10.x after registration is still blocked: DNS rebinding). Redirects are never
 * followed (Node's http never does): a 3xx is returned as the attempt's status and judged a failure.
 */
export class HttpWebhookSender implements WebhookSender {
  // No keep-alive: every attempt opens (and checks) a connection of its own.
  private readonly httpAgent = new HttpAgent({ keepAlive: false });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: false });
  private readonly lookup: LookupFunction;
  private readonly timeoutMs: number;

  constructor(private readonly options: HttpWebhookSenderOptions) {
    this.lookup = filteringLookup(options, options.lookup);
    this.timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
  }

  send(webhook: WebhookRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      let url: URL;
      try {
        url = new URL(webhook.url);
      } catch {
        finish({ kind: 'error', durationMs: 0, error: 'invalid URL' });
        return;
      }
      // An IP literal is connected to without a lookup: check it here. IPv6 hosts come bracketed.
      const literal = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      if (isIP(literal) !== 0 && blockedAddressReason(literal, this.options) !== undefined) {
        finish({ kind: 'error', durationMs: 0, error: BLOCKED });
        return;
      }
      const secure = url.protocol === 'https:';
      const request = (secure ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        agent: secure ? this.httpsAgent : this.httpAgent,
        headers: {
          ...webhookHeaders(webhook.secrets, webhook.messageId, webhook.sentAt, webhook.body),
          'content-length': String(Buffer.byteLength(webhook.body, 'utf8')),
          'user-agent': 'Diplowire-Webhooks/1',
        },
        lookup: this.lookup,
      });
      timer = setTimeout(() => {
        request.destroy(new Error(`timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);

      request.on('error', (error) =>
        finish({ kind: 'error', durationMs: elapsed(), error: describe(error) }),
      );
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        const done = () => {
          const retryAfter = response.headers['retry-after'];
          finish({
            kind: 'response',
            status: response.statusCode ?? 0,
            durationMs: elapsed(),
            body: Buffer.concat(chunks).subarray(0, RESPONSE_BYTES_READ).toString('utf8'),
            ...(typeof retryAfter === 'string' && { retryAfter }),
          });
          response.destroy();
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          bytes += chunk.length;
          if (bytes >= RESPONSE_BYTES_READ) done();
        });
        response.on('end', done);
        response.on('error', done);
        response.on('close', done);
      });
      request.end(webhook.body);
    });
  }
}

const BLOCKED = 'blocked: the host resolved to a non-public address';

/** A short reason without stack or internals (it is shown to the partner). */
function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (error instanceof BlockedAddressError) return BLOCKED;
  if (error.message.startsWith('timed out')) return error.message;
  return code ? `connection failed (${code})` : `connection failed: ${error.message.slice(0, 120)}`;
}
