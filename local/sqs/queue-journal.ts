/**
 * Keeps queues on disk so messages survive a restart (and a crash): per queue, a snapshot and a journal
 * appended to with one line per changed message, so a send costs a line, not a rewrite of the whole
 * queue (the e2e tap queue holds thousands of events).
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredMessage } from './model';
import { type Queue, sortedMessages } from './queue';

/** One journal line: a message as it now is, or the id of a message that is gone. */
type JournalEntry = { put: StoredMessage; sequence: number } | { remove: string };

/** A journal longer than this many entries (and than twice the queue) is folded into a new snapshot. */
const MIN_ENTRIES_BEFORE_COMPACTION = 1_000;

export class QueueJournal {
  constructor(
    private readonly dir: string,
    private readonly log: (line: string) => void,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** Appends the changed messages to the queue's journal; a journal grown past twice the queue is folded into a fresh snapshot. */
  write(queue: Queue, dirty: Set<string> | 'all'): void {
    const compact =
      dirty === 'all' ||
      queue.journalEntries + dirty.size > Math.max(MIN_ENTRIES_BEFORE_COMPACTION, 2 * queue.messages.size);
    if (compact) {
      this.writeSnapshot(queue);
      return;
    }
    const lines: string[] = [];
    for (const messageId of dirty) {
      const message = queue.messages.get(messageId);
      const entry: JournalEntry = message
        ? { put: message, sequence: queue.sequence }
        : { remove: messageId };
      lines.push(JSON.stringify(entry));
    }
    appendFileSync(this.journalFile(queue.definition.name), `${lines.join('\n')}\n`);
    queue.journalEntries += lines.length;
  }

  /** Loads the queue's snapshot, then replays its journal. */
  restore(queue: Queue): void {
    const name = queue.definition.name;
    const snapshot = readIfExists(this.snapshotFile(name));
    if (snapshot !== undefined) {
      const parsed = JSON.parse(snapshot) as { sequence: number; messages: StoredMessage[] };
      queue.sequence = parsed.sequence;
      for (const message of parsed.messages) queue.messages.set(message.messageId, message);
    }
    const journal = readIfExists(this.journalFile(name));
    for (const line of journal?.split('\n') ?? []) {
      if (line === '') continue;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        // A line cut short by a crash mid-write: everything before it is intact.
        break;
      }
      if ('remove' in entry) queue.messages.delete(entry.remove);
      else {
        queue.messages.set(entry.put.messageId, entry.put);
        queue.sequence = Math.max(queue.sequence, entry.sequence);
      }
      queue.journalEntries += 1;
    }
    if (snapshot !== undefined || journal !== undefined)
      this.log(`restored ${name}: ${queue.messages.size} messages`);
  }

  private writeSnapshot(queue: Queue): void {
    const name = queue.definition.name;
    const file = this.snapshotFile(name);
    const snapshot = { queue: name, sequence: queue.sequence, messages: sortedMessages(queue) };
    // Write-then-rename so a crash never leaves a half-written snapshot; the journal it replaces goes after.
    writeFileSync(`${file}.tmp`, JSON.stringify(snapshot));
    renameSync(`${file}.tmp`, file);
    rmSync(this.journalFile(name), { force: true });
    queue.journalEntries = 0;
  }

  private journalFile(name: string): string {
    return join(this.dir, `${encodeURIComponent(name)}.journal`);
  }

  private snapshotFile(name: string): string {
    return join(this.dir, `${encodeURIComponent(name)}.json`);
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
