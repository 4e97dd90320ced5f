/**
 * The local stand-in for the functions' CloudWatch log groups that the console reads: the last few
 * thousand invocations of every local function, each with its time, duration, outcome and a bounded
 * copy of the event it received and the result it returned. `GET /_local/invocations?contains=<text>`
 * finds every invocation that saw one item id, which is how the console draws an item's flow through
 * functions it knows nothing about.
 */
import type { InvocationEntry, LocalLambda } from '../lambda';

export interface InvocationRecord {
  seq: number;
  function: string;
  requestId: string;
  /** ISO time the invocation was asked for (it may wait for a free environment before it starts). */
  startedAt: string;
  durationMs: number;
  coldStart: boolean;
  ok: boolean;
  errorType?: string;
  errorMessage?: string;
  /** What invoked it, from the event's shape: `api`, `dynamodb-stream`, `sqs`, `eventbridge` or `direct`. */
  trigger: string;
  /** The event and the result as JSON, cut at `maxPayloadChars`. */
  event: string;
  result: string;
}

export interface InvocationQuery {
  contains?: string;
  function?: string;
  /** Only records with a larger seq (for polling). */
  after?: number;
  limit?: number;
}

export class InvocationLog {
  private readonly records: InvocationRecord[] = [];
  private seq = 0;

  constructor(
    private readonly capacity = 5000,
    private readonly maxPayloadChars = 32 * 1024,
  ) {}

  /** Records every run of `fn` from now on, each attempt of an asynchronous invocation included. */
  attach(fn: LocalLambda): void {
    const name = fn.definition.name;
    fn.onInvocation((entry) => this.record(name, entry));
  }

  query(query: InvocationQuery = {}): InvocationRecord[] {
    const limit = Math.min(Math.max(query.limit ?? 200, 1), 1000);
    const matches = this.records.filter(
      (r) =>
        (query.after === undefined || r.seq > query.after) &&
        (query.function === undefined || r.function === query.function) &&
        (query.contains === undefined ||
          r.event.includes(query.contains) ||
          r.result.includes(query.contains) ||
          r.errorMessage?.includes(query.contains) === true),
    );
    return matches.slice(-limit);
  }

  private record(name: string, { event, result, requestedAt }: InvocationEntry): void {
    this.records.push({
      seq: ++this.seq,
      function: name,
      requestId: result.requestId,
      startedAt: new Date(requestedAt).toISOString(),
      durationMs: Math.round(result.durationMs * 100) / 100,
      coldStart: result.coldStart,
      ok: result.ok,
      ...(!result.ok && { errorType: result.errorType, errorMessage: result.errorMessage }),
      trigger: triggerOf(event),
      event: this.cut(event),
      result: result.ok ? this.cut(result.value) : '',
    });
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
  }

  private cut(value: unknown): string {
    let text: string;
    try {
      text = JSON.stringify(value) ?? '';
    } catch {
      text = String(value);
    }
    // API keys never reach the inspection endpoint (an authorizer event carries the caller's).
    text = text
      .replace(/Bearer [^"\\]+/g, 'Bearer [redacted]')
      .replace(/dwk_[A-Za-z0-9_-]+/g, 'dwk_[redacted]');
    return text.length > this.maxPayloadChars ? `${text.slice(0, this.maxPayloadChars)}…` : text;
  }
}

function triggerOf(event: unknown): string {
  if (event === null || typeof event !== 'object') return 'direct';
  const e = event as Record<string, unknown>;
  if (typeof e.routeKey === 'string' || typeof e.rawPath === 'string') return 'api';
  if (typeof e['detail-type'] === 'string') return 'eventbridge';
  const first = Array.isArray(e.Records) ? (e.Records[0] as Record<string, unknown> | undefined) : undefined;
  const source = first?.eventSource ?? first?.EventSource;
  if (source === 'aws:dynamodb') return 'dynamodb-stream';
  if (source === 'aws:sqs') return 'sqs';
  return 'direct';
}
