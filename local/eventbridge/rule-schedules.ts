/**
 * Rules with a `ScheduleExpression`: each enabled one fires AWS's `Scheduled Event` on its bus at
 * every `rate`/`cron` time, straight to its own targets.
 */
import { randomUUID } from 'node:crypto';
import type { Deliveries } from './delivery';
import type { EventLog } from './event-log';
import {
  type BusContext,
  type EventEnvelope,
  type EventRecord,
  isoSeconds,
  type LocalRuleDefinition,
} from './model';
import type { CompiledRule } from './rules';
import { nextFireTime } from './schedule';
import type { BackgroundWork } from './work';

export class RuleSchedules {
  constructor(
    private readonly context: BusContext,
    private readonly rules: CompiledRule[],
    private readonly eventLog: EventLog,
    private readonly deliveries: Deliveries,
    private readonly work: BackgroundWork,
  ) {}

  /** Arms every enabled scheduled rule; `rate` schedules count from now. */
  start(): void {
    const since = new Date();
    for (const rule of this.rules) {
      if (rule.schedule === undefined || rule.definition.state !== 'ENABLED') continue;
      const schedule = rule.schedule;
      const arm = (after: Date) => {
        const next = nextFireTime(schedule, after, since);
        if (next === undefined || this.work.closed) return;
        this.work.setTimer(
          () => {
            this.fire(rule.definition, next);
            arm(next);
          },
          Math.max(0, next.getTime() - Date.now()),
        );
      };
      arm(since);
      this.context.log(
        `[eventbridge] schedule ${rule.definition.name}: ${rule.definition.scheduleExpression}`,
      );
    }
  }

  private fire(rule: LocalRuleDefinition, at: Date): void {
    const event: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: this.context.accountId,
      time: isoSeconds(at.getTime()),
      region: this.context.region,
      resources: [rule.arn],
      detail: {},
    };
    this.context.log(`[eventbridge] schedule ${rule.name} fired event ${event.id}`);
    const ingestionTime = Date.now();
    const record: EventRecord = {
      event,
      ingestedAt: new Date(ingestionTime).toISOString(),
      matchedRules: [rule.name],
      deliveries: [],
    };
    this.eventLog.append(rule.eventBusName, record, ingestionTime);
    this.deliveries.start(rule, record, ingestionTime);
  }
}
