import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writePrivateFile } from '../support/private-files';

/** One asynchronous invocation Lambda has accepted and not yet finished (succeeded or given up on). */
export interface QueuedInvocation {
  requestId: string;
  /** When Lambda accepted the event (its age counts from here). */
  queuedAt: number;
  event: unknown;
  /** Attempts that failed so far. */
  failedAttempts: number;
}

type JournalLine =
  | { op: 'queued'; requestId: string; queuedAt: number; event: unknown }
  | { op: 'failed'; requestId: string; attempts: number }
  | { op: 'done'; requestId: string };

/** Rewrite the file once it holds this many lines more than there are queued invocations. */
const COMPACT_AFTER_LINES = 5000;

/**
 * Lambda's asynchronous event queue is durable: an event it accepted (from EventBridge, Scheduler or
 * an `Event` invoke) is run even if the service restarts. Locally, each function's queue is a JSON
 * lines file in the data directory, so a stopped or SIGKILLed cloud resumes the invocations it had
 * accepted (at least once, as on AWS). Lines are appended synchronously: an event is on disk before
 * the caller hears it was accepted.
 */
export class AsyncJournal {
  private readonly queued = new Map<string, QueuedInvocation>();
  private lines = 0;

  constructor(private readonly file: string) {}

  /**
   * The invocations the last run left unfinished, oldest first. Rewrites the file with only them,
   * so it does not grow across restarts.
   */
  open(): QueuedInvocation[] {
    this.queued.clear();
    if (existsSync(this.file)) {
      for (const raw of readFileSync(this.file, 'utf8').split('\n')) {
        if (raw.trim() === '') continue;
        let line: JournalLine;
        try {
          line = JSON.parse(raw) as JournalLine;
        } catch {
          // A line cut off by a crash: the write it belonged to never completed.
          continue;
        }
        this.apply(line);
      }
    }
    this.compact();
    return [...this.queued.values()].sort((a, b) => a.queuedAt - b.queuedAt);
  }

  add(invocation: Omit<QueuedInvocation, 'failedAttempts'>): void {
    this.write({ op: 'queued', ...invocation });
  }

  failed(requestId: string, attempts: number): void {
    if (this.queued.has(requestId)) this.write({ op: 'failed', requestId, attempts });
  }

  done(requestId: string): void {
    if (!this.queued.has(requestId)) return;
    this.write({ op: 'done', requestId });
    if (this.lines - this.queued.size > COMPACT_AFTER_LINES) this.compact();
  }

  private write(line: JournalLine): void {
    this.apply(line);
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    appendFileSync(this.file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    this.lines++;
  }

  private apply(line: JournalLine): void {
    if (line.op === 'queued') {
      this.queued.set(line.requestId, {
        requestId: line.requestId,
        queuedAt: line.queuedAt,
        event: line.event,
        failedAttempts: 0,
      });
    } else if (line.op === 'failed') {
      const entry = this.queued.get(line.requestId);
      if (entry) entry.failedAttempts = Math.max(entry.failedAttempts, line.attempts);
    } else {
      this.queued.delete(line.requestId);
    }
  }

  private compact(): void {
    const lines: JournalLine[] = [];
    for (const q of this.queued.values()) {
      lines.push({ op: 'queued', requestId: q.requestId, queuedAt: q.queuedAt, event: q.event });
      if (q.failedAttempts > 0)
        lines.push({ op: 'failed', requestId: q.requestId, attempts: q.failedAttempts });
    }
    if (lines.length === 0 && !existsSync(this.file)) return;
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    writePrivateFile(this.file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    this.lines = lines.length;
  }
}
