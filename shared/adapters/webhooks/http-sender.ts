import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import type { SendResult } from '../../domain/webhooks/outcome';
import type { WebhookRequest, WebhookSender } from '../../domain/webhooks/ports';
import { LOOPBACK_ADDRESSES } from '../../domain/webhooks/url-policy';
import { webhookHeaders } from './signing';

export interface HttpWebhookSenderOptions {
  /** Open exactly 127.0.0.1 and ::1 (local development); every other private address stays blocked. */
  allowLoopback: boolean;
  /** Whole-request deadline (connect, send, response headers and the excerpt). */
  timeoutMs?: number;
  /** DNS lookup override (tests map names to addresses); the filtering agent checks its answers. */
  lookup?: LookupFunction;
}

export const SEND_TIMEOUT_MS = 15_000;
/** Response bytes read for the excerpt; the rest is discarded unread. */
const RESPONSE_BYTES_READ = 1024;

/**
 * POSTs a webhook, signed the Standard Webhooks way (`signing.ts`). The request-filtering agents refuse, at connect time, any address that is
 * not public unicast (so a hostname re-pointed at 169.254.169.254 or 10.x after registration is
 * still blocked: DNS rebinding). Redirects are never followed (Node's http never does): a 3xx is
 * returned as the attempt's status and judged a failure.
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly httpAgent: RequestFilteringHttpAgent;
  private readonly httpsAgent: RequestFilteringHttpsAgent;
  private readonly timeoutMs: number;

  constructor(private readonly options: HttpWebhookSenderOptions) {
    const filter = {
      allowPrivateIPAddress: false,
      allowMetaIPAddress: false,
      // Exact addresses, not CIDRs: the agent compares them as strings for either family.
      allowIPAddressList: options.allowLoopback ? [...LOOPBACK_ADDRESSES] : [],
      keepAlive: false,
    };
    this.httpAgent = new RequestFilteringHttpAgent(filter);
    this.httpsAgent = new RequestFilteringHttpsAgent(filter);
    this.timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
  }

  send(webhook: WebhookRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise<SendResult>((resolve) => {
      let settled = false;
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
      const secure = url.protocol === 'https:';
      const request = (secure ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        agent: secure ? this.httpsAgent : this.httpAgent,
        headers: {
          ...webhookHeaders(webhook.secrets, webhook.messageId, webhook.sentAt, webhook.body),
          'content-length': String(Buffer.byteLength(webhook.body, 'utf8')),
          'user-agent': 'Diplowire-Webhooks/1',
        },
        ...(this.options.lookup && { lookup: this.options.lookup }),
      });
      const timer = setTimeout(() => {
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

/** A short reason without stack or internals (it is shown to the partner). */
function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (/is not allowed\. Because/.test(error.message))
    return 'blocked: the host resolved to a non-public address';
  if (error.message.startsWith('timed out')) return error.message;
  return code ? `connection failed (${code})` : `connection failed: ${error.message.slice(0, 120)}`;
}
