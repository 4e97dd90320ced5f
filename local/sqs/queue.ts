/** One queue's state in memory: its definition with SQS's defaults, and its messages in arrival order. */
import type { MessageState, QueueDefinition, StoredMessage } from './model';

const DEFAULTS = {
  visibilityTimeoutSeconds: 30,
  delaySeconds: 0,
  messageRetentionSeconds: 345_600,
  receiveWaitTimeSeconds: 0,
  maximumMessageSize: 262_144,
};

export interface Queue {
  definition: Required<Omit<QueueDefinition, 'redrivePolicy'>> & Pick<QueueDefinition, 'redrivePolicy'>;
  arn: string;
  createdTimestamp: number;
  messages: Map<string, StoredMessage>;
  sequence: number;
  /** Long polls waiting for this queue to change. */
  wakeups: Set<() => void>;
  /** Messages changed (or removed) since the last flush; `all` after a purge. */
  dirty: Set<string> | 'all';
  /** Entries in the journal since the last snapshot. */
  journalEntries: number;
}

/** An empty queue; CloudFormation's defaults stand in for what the definition leaves out. */
export function newQueue(definition: QueueDefinition, arn: string, createdTimestamp: number): Queue {
  return {
    definition: { ...DEFAULTS, ...stripUndefined(definition), name: definition.name },
    arn,
    createdTimestamp,
    messages: new Map(),
    sequence: 0,
    wakeups: new Set(),
    dirty: new Set(),
    journalEntries: 0,
  };
}

export function stateOf(message: StoredMessage, now: number): MessageState {
  if (message.visibleAt <= now) return 'visible';
  return message.receiveCount === 0 ? 'delayed' : 'inFlight';
}

export function sortedMessages(queue: Queue): StoredMessage[] {
  return [...queue.messages.values()].sort((a, b) => a.sequence - b.sequence);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
