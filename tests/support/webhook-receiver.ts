import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One scripted answer: status, headers, body, or hang (never answer: the sender must time out). */
export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  hang?: boolean;
}

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The payload as `Webhook.verify` returned it, or the verification error. */
  verified: unknown;
  verifyError?: string;
  /** When the request arrived (epoch ms, this machine's clock). */
  at: number;
}

/**
 * A real webhook receiver on 127.0.0.1 that verifies every request with `Webhook.verify` (the
 * secret is set once known) and answers from a script (default 204).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private script: ScriptedAnswer[] = [];
  /** What to answer once the script is used up. */
  private fallback: ScriptedAnswer = { status: 204 };
  private secret: string | undefined;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const at = Date.now();
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let verified: unknown;
        let verifyError: string | undefined;
        try {
          if (this.secret === undefined) throw new Error('no secret set');
          verified = new Webhook(this.secret).verify(body, request.headers as Record<string, string>);
        } catch (error) {
          verifyError = (error as Error).message;
        }
        this.received.push({
          path: request.url ?? '',
          headers: request.headers,
          body,
          verified,
          ...(verifyError && { verifyError }),
          at,
        });
        const answer = this.script.shift() ?? this.fallback;
        if (answer.hang) return;
        response.writeHead(answer.status ?? 204, answer.headers ?? {});
        response.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/hooks`;
    return this;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  verifyWith(secret: string): void {
    this.secret = secret;
  }

  answer(...answers: ScriptedAnswer[]): void {
    this.script.push(...answers);
  }

  /** Answers every request not covered by the script with `answer` (e.g. an endpoint that is down). */
  answerByDefault(answer: ScriptedAnswer): void {
    this.fallback = answer;
  }

  /** The requests that carried this `webhook-id` (every attempt of one delivery). */
  requestsFor(webhookId: string): ReceivedWebhook[] {
    return this.received.filter((request) => request.headers['webhook-id'] === webhookId);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
