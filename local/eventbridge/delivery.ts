/**
 * Delivery to targets: input shaping, retries with exponential back-off within the target's retry
 * policy, then the dead-letter queue (with AWS's message attributes) or a logged drop; and, after a
 * restart, the deliveries the last run left unfinished.
 */
import type { EventLog } from './event-log';
import { targetPayload } from './input';
import {
  type BusContext,
  type DeadLetterSink,
  type DeliveryRecord,
  type EventEnvelope,
  type EventRecord,
  isoSeconds,
  type LocalRuleDefinition,
  type LocalTargetDefinition,
  type TargetInvoker,
} from './model';
import type { BackgroundWork } from './work';

const DEFAULT_MAX_RETRY_ATTEMPTS = 185;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;

export interface DeliveryOptions {
  invokeTarget: TargetInvoker;
  sendToDeadLetter: DeadLetterSink;
  /** First retry delay; doubles per retry up to `retryMaxDelayMs`. */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
}

interface UnfinishedDelivery {
  rule: LocalRuleDefinition;
  target: LocalTargetDefinition;
  record: EventRecord;
  delivery: DeliveryRecord;
  ingestionTime: number;
}

export class Deliveries {
  /** Deliveries the last run left unfinished (stopped during retries, or killed): resumed by `resume`. */
  private unfinished: UnfinishedDelivery[] = [];

  constructor(
    private readonly context: BusContext,
    private readonly options: DeliveryOptions,
    private readonly eventLog: EventLog,
    private readonly work: BackgroundWork,
  ) {}

  /** Starts delivering a logged event to every target of a rule it matched. */
  start(rule: LocalRuleDefinition, record: EventRecord, ingestionTime: number): void {
    for (const target of rule.targets) {
      const delivery: DeliveryRecord = {
        rule: rule.name,
        target: target.id,
        attempts: 0,
        outcome: 'pending',
      };
      this.eventLog.addDelivery(record, delivery);
      this.work.track(this.deliver(rule, target, record.event, delivery, ingestionTime));
    }
  }

  /**
   * Finds the deliveries of logged events that never reached an outcome: stopped while waiting for
   * a retry (`cancelled`) or cut off by a crash (no outcome logged). Targets are those of the current
   * template's rules; a rule that is gone is not resumed. Logs written before records had a `seq`
   * cannot tell a replay's deliveries from the original's, so their records are never resumed.
   */
  findUnfinished(ruleNamed: (name: string) => LocalRuleDefinition | undefined): void {
    const unfinished: UnfinishedDelivery[] = [];
    for (const { record, ingestionTime } of this.eventLog.sequenced()) {
      for (const ruleName of record.matchedRules) {
        const rule = ruleNamed(ruleName);
        if (rule === undefined) continue;
        for (const target of rule.targets) {
          let delivery = record.deliveries.find((d) => d.rule === ruleName && d.target === target.id);
          if (delivery !== undefined && delivery.outcome !== 'cancelled' && delivery.outcome !== 'pending')
            continue;
          if (delivery === undefined) {
            delivery = { rule: ruleName, target: target.id, attempts: 0, outcome: 'pending' };
            this.eventLog.addDelivery(record, delivery);
          }
          unfinished.push({ rule, target, record, delivery, ingestionTime });
        }
      }
    }
    this.unfinished = unfinished;
  }

  /** At-least-once across restarts: every delivery the last run left unfinished is attempted again. */
  resumeUnfinished(): void {
    for (const { rule, target, record, delivery, ingestionTime } of this.unfinished.splice(0)) {
      delivery.outcome = 'pending';
      this.context.log(
        `[eventbridge] resuming delivery of event ${record.event.id} rule=${rule.name} target=${target.id} after a restart (attempts so far: ${delivery.attempts})`,
      );
      this.work.track(this.deliver(rule, target, record.event, delivery, ingestionTime));
    }
  }

  private async deliver(
    rule: LocalRuleDefinition,
    target: LocalTargetDefinition,
    event: EventEnvelope,
    delivery: DeliveryRecord,
    ingestionTime: number,
  ): Promise<void> {
    const maxRetries = target.retryPolicy?.maximumRetryAttempts ?? DEFAULT_MAX_RETRY_ATTEMPTS;
    const maxAgeMs = (target.retryPolicy?.maximumEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000;
    const where = `event ${event.id} rule=${rule.name} target=${target.id} (${target.arn})`;
    const giveUp = (errorCode: string, errorMessage: string, exhausted: string) =>
      this.giveUp({ rule, target, event, delivery, where }, errorCode, errorMessage, exhausted);
    let payload: string;
    try {
      payload = targetPayload(target, {
        event: event as unknown as Record<string, unknown>,
        ruleArn: rule.arn,
        ruleName: rule.name,
        ingestionTime: isoSeconds(ingestionTime),
      });
    } catch (error) {
      return giveUp('InputTransformationFailure', (error as Error).message, 'None');
    }
    for (;;) {
      if (this.work.closed) {
        delivery.outcome = 'cancelled';
        this.context.log(`[eventbridge] delivery cancelled (shutting down): ${where}`);
        this.eventLog.persistDelivery(event.id, delivery);
        return;
      }
      // Only a delivery resumed after a restart can be this old before an attempt.
      if (Date.now() - ingestionTime > maxAgeMs) {
        return giveUp(
          'EventExpired',
          delivery.error ??
            'The event is older than the target allows; it was not delivered before the restart',
          'MaximumEventAgeInSeconds',
        );
      }
      delivery.attempts++;
      try {
        await this.options.invokeTarget(target, payload);
        delivery.outcome = 'delivered';
        delete delivery.error;
        this.context.log(
          `[eventbridge] delivered ${where} attempt=${delivery.attempts} retries=${delivery.attempts - 1} -> ok`,
        );
        this.eventLog.persistDelivery(event.id, delivery);
        return;
      } catch (error) {
        delivery.error = (error as Error).message ?? String(error);
        const retriesSoFar = delivery.attempts - 1;
        const delay = Math.min(
          this.options.retryBaseDelayMs * 2 ** retriesSoFar,
          this.options.retryMaxDelayMs,
        );
        this.context.log(
          `[eventbridge] delivery failed ${where} attempt=${delivery.attempts} retries=${retriesSoFar}: ${delivery.error}`,
        );
        if (retriesSoFar >= maxRetries)
          return giveUp(errorCodeOf(error), delivery.error, 'MaximumRetryAttempts');
        if (Date.now() + delay - ingestionTime > maxAgeMs)
          return giveUp(errorCodeOf(error), delivery.error, 'MaximumEventAgeInSeconds');
        await this.work.sleep(delay);
      }
    }
  }

  private async giveUp(
    attempt: {
      rule: LocalRuleDefinition;
      target: LocalTargetDefinition;
      event: EventEnvelope;
      delivery: DeliveryRecord;
      where: string;
    },
    errorCode: string,
    errorMessage: string,
    exhausted: string,
  ): Promise<void> {
    const { rule, target, event, delivery, where } = attempt;
    delivery.error = errorMessage;
    if (target.deadLetterArn === undefined) {
      delivery.outcome = 'dropped';
      this.context.log(
        `[eventbridge] !!! DROPPED ${where} after ${delivery.attempts} attempts (${exhausted}), no dead-letter queue: ${errorMessage}`,
      );
      this.eventLog.persistDelivery(event.id, delivery);
      return;
    }
    const attributes = {
      RULE_ARN: rule.arn,
      TARGET_ARN: target.arn,
      ERROR_CODE: errorCode,
      ERROR_MESSAGE: errorMessage,
      EXHAUSTED_RETRY_CONDITION: exhausted,
      RETRY_ATTEMPTS: String(Math.max(0, delivery.attempts - 1)),
    };
    try {
      await this.options.sendToDeadLetter(target.deadLetterArn, JSON.stringify(event), attributes);
      delivery.outcome = 'dead-lettered';
      this.context.log(
        `[eventbridge] dead-lettered ${where} to ${target.deadLetterArn} after ${delivery.attempts} attempts (${exhausted})`,
      );
    } catch (error) {
      delivery.outcome = 'dropped';
      this.context.log(
        `[eventbridge] !!! DROPPED ${where}: dead-letter queue ${target.deadLetterArn} failed: ${(error as Error).message}`,
      );
    }
    this.eventLog.persistDelivery(event.id, delivery);
  }
}

function errorCodeOf(error: unknown): string {
  const named = error as { code?: unknown; name?: unknown };
  if (typeof named.code === 'string' && named.code !== '') return named.code;
  if (typeof named.name === 'string' && named.name !== '' && named.name !== 'Error') return named.name;
  return 'TargetInvocationFailure';
}
