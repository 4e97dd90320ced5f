/**
 * What `npm run ops -- status` reports, and when it calls the stage unhealthy. Pure: the adapters
 * gather the figures (shared/adapters/ops/), this decides what they mean.
 */
import type { Delivery } from '../webhooks/model';

/** A figure some environments cannot give (the local cloud has no CloudWatch): say why, never fake it. */
export type Availability<T> = { available: true; value: T } | { available: false; reason: string };

export interface AlarmState {
  name: string;
  reason: string;
  since?: string;
}

export interface DeadLetterQueueStatus {
  /** The queue name, e.g. `diplowire-prod-outbox-dlq`. */
  name: string;
  url: string;
  arn: string;
  visible: number;
  inFlight: number;
  /** Age of the oldest message, when the environment measures it. */
  oldestAgeMs: Availability<number | null>;
  /** The queues whose redrive policy sends failed messages here (empty: a Lambda or EventBridge DLQ). */
  sources: string[];
}

export interface HeldSummary {
  count: number;
  /** Held versions whose release time passed more than the grace period ago. */
  overdue: number;
  next?: { itemId: string; version: number; releaseAt: string };
  /** More held versions than were read (the count is a lower bound). */
  truncated: boolean;
}

export interface DisabledSubscription {
  subscriptionId: string;
  partnerId: string;
  url: string;
  disabledAt?: string;
  disabledReason?: string;
}

export interface DeliveryFailureRate {
  subscriptionId: string;
  partnerId: string;
  status: 'active' | 'disabled';
  attempts: number;
  failed: number;
  /** failed / attempts, 0..1; 0 when there were no attempts. */
  rate: number;
}

export interface StatusReport {
  stage: string;
  mode: 'aws' | 'local';
  at: string;
  alarms: Availability<AlarmState[]>;
  deadLetterQueues: DeadLetterQueueStatus[];
  outboxIteratorAgeMs: Availability<number | null>;
  held: HeldSummary;
  disabledSubscriptions: DisabledSubscription[];
  deliveryFailures: { windowMs: number; since: string; subscriptions: DeliveryFailureRate[] };
  dashboardUrl: Availability<string>;
}

/** The outbox-lagging alarm's threshold (infra/constructs/outbox-publisher.ts): events 5 minutes late. */
export const OUTBOX_LAG_LIMIT_MS = 5 * 60_000;
/** Releases run at most about two minutes late when the scheduler works (docs/operations.md, Embargoes). */
export const RELEASE_GRACE_MS = 2 * 60_000;

/** Why the stage needs an operator, one line each; empty when healthy. */
export function problemsOf(report: StatusReport): string[] {
  const problems: string[] = [];
  if (report.alarms.available)
    for (const alarm of report.alarms.value) problems.push(`alarm ${alarm.name} is in ALARM`);
  for (const queue of report.deadLetterQueues) {
    const waiting = queue.visible + queue.inFlight;
    if (waiting > 0) problems.push(`${waiting} message(s) in dead-letter queue ${queue.name}`);
  }
  const age = report.outboxIteratorAgeMs;
  if (age.available && age.value !== null && age.value > OUTBOX_LAG_LIMIT_MS)
    problems.push(`the outbox is ${Math.round(age.value / 1000)} s behind`);
  if (report.held.overdue > 0)
    problems.push(`${report.held.overdue} held version(s) past their release time`);
  return problems;
}

/** Attempts made since `since` across `deliveries`, and how many failed. */
export function failureRateOf(
  deliveries: readonly Delivery[],
  since: string,
): { attempts: number; failed: number; rate: number } {
  let attempts = 0;
  let failed = 0;
  for (const delivery of deliveries)
    for (const attempt of delivery.attempts) {
      // ISO-8601 UTC strings compare in time order.
      if (attempt.at < since) continue;
      attempts++;
      if (attempt.outcome === 'failed') failed++;
    }
  return { attempts, failed, rate: attempts === 0 ? 0 : failed / attempts };
}
