/** The local EventBridge's definitions (from the template), its events and its records of deliveries. */
import type { EventBridgeAuthorizer } from '../iam/endpoints';

export interface LocalBusDefinition {
  name: string;
  arn: string;
}

export interface LocalRuleDefinition {
  name: string;
  arn: string;
  eventBusName: string;
  eventPattern?: string | object;
  scheduleExpression?: string;
  state: 'ENABLED' | 'DISABLED';
  targets: LocalTargetDefinition[];
  description?: string;
}

export interface LocalTargetDefinition {
  id: string;
  arn: string;
  input?: string;
  inputPath?: string;
  inputTransformer?: { inputPathsMap?: Record<string, string>; inputTemplate: string };
  retryPolicy?: { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number };
  deadLetterArn?: string;
}

export interface LocalArchiveDefinition {
  name: string;
  arn: string;
  sourceBusArn: string;
  eventPattern?: string | object;
  retentionDays?: number;
  description?: string;
}

/** Delivers a payload to a target; throws when the delivery failed. */
export type TargetInvoker = (target: LocalTargetDefinition, payload: string) => Promise<void>;
/** Sends an undeliverable event to a dead-letter queue with AWS's message attributes. */
export type DeadLetterSink = (
  deadLetterArn: string,
  payload: string,
  attributes: Record<string, string>,
) => Promise<void>;

export interface LocalEventBridgeOptions {
  buses: LocalBusDefinition[];
  rules: LocalRuleDefinition[];
  archives: LocalArchiveDefinition[];
  invokeTarget: TargetInvoker;
  sendToDeadLetter: DeadLetterSink;
  log?: (line: string) => void;
  /** Directory for the persisted event log and archives (JSON lines); nothing is persisted without it. */
  dataDir?: string;
  region: string;
  accountId: string;
  /** First retry delay; doubles per retry up to `retryMaxDelayMs`. Default 1000. */
  retryBaseDelayMs?: number;
  /** Ceiling for one retry delay. Default 60000. */
  retryMaxDelayMs?: number;
  /** IAM for calls signed by local functions (local/iam); without it every caller may do anything. */
  authorize?: EventBridgeAuthorizer;
}

export type EventEnvelope = {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
  'replay-name'?: string;
};

export type DeliveryOutcome = 'pending' | 'delivered' | 'dead-lettered' | 'dropped' | 'cancelled';

export interface DeliveryRecord {
  rule: string;
  target: string;
  attempts: number;
  outcome: DeliveryOutcome;
  error?: string;
}

export interface EventRecord {
  event: EventEnvelope;
  /** When the bus received it, on the local clock (the event's own `time` may come from the sender). */
  ingestedAt: string;
  matchedRules: string[];
  deliveries: DeliveryRecord[];
}

export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  Time?: number | string;
  EventBusName?: string;
  TraceHeader?: string;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** Where the events go: the account, the region and what is logged. */
export interface BusContext {
  region: string;
  accountId: string;
  log: (line: string) => void;
}

/** `2024-01-01T00:00:00Z`: AWS stamps events with second precision. */
export const isoSeconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

export const utf8Length = (text: string) => Buffer.byteLength(text, 'utf8');

/** A pattern as the API shows it: the template's text, or its object as JSON. */
export const patternText = (pattern: string | object | undefined) =>
  pattern === undefined ? undefined : typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
