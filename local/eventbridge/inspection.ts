/**
 * What can be looked at: the List/Describe operations for buses and rules (AWS's views and
 * pagination), and the local-only views of the rules with their targets and of the event log.
 */
import { notFound, validationError } from './errors';
import type { EventLog } from './event-log';
import { type EventRecord, type LocalRuleDefinition, patternText } from './model';
import type { Buses, CompiledRule } from './rules';

/** AWS-style pages of at most 100 items; the token is the next item's index, opaque to callers. */
export function paginate<T>(
  items: T[],
  limit: number | undefined,
  nextToken: string | undefined,
): { page: T[]; nextToken?: string } {
  const start =
    nextToken === undefined ? 0 : Number.parseInt(Buffer.from(nextToken, 'base64url').toString('utf8'), 10);
  if (!Number.isInteger(start) || start < 0 || start > items.length)
    throw validationError('The NextToken is invalid.');
  const size = limit === undefined || limit <= 0 ? 100 : Math.min(limit, 100);
  const page = items.slice(start, start + size);
  const end = start + page.length;
  return end < items.length
    ? { page, nextToken: Buffer.from(String(end), 'utf8').toString('base64url') }
    : { page };
}

function ruleView(rule: LocalRuleDefinition) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    ...(rule.eventPattern !== undefined ? { EventPattern: patternText(rule.eventPattern) } : {}),
    ...(rule.scheduleExpression !== undefined ? { ScheduleExpression: rule.scheduleExpression } : {}),
    ...(rule.description !== undefined ? { Description: rule.description } : {}),
    State: rule.state,
    EventBusName: rule.eventBusName,
  };
}

export class Inspection {
  constructor(
    private readonly accountId: string,
    private readonly buses: Buses,
    private readonly rules: CompiledRule[],
    private readonly events: EventLog,
  ) {}

  listRules(input: { NamePrefix?: string; EventBusName?: string; Limit?: number; NextToken?: string }) {
    const bus = this.buses.require(input.EventBusName);
    const all = this.rules
      .map((r) => r.definition)
      .filter(
        (r) =>
          r.eventBusName === bus.name &&
          (input.NamePrefix === undefined || r.name.startsWith(input.NamePrefix)),
      )
      .sort((a, b) => a.name.localeCompare(b.name));
    const { page, nextToken } = paginate(all, input.Limit, input.NextToken);
    return { Rules: page.map((r) => ruleView(r)), ...(nextToken ? { NextToken: nextToken } : {}) };
  }

  describeRule(input: { Name?: string; EventBusName?: string }) {
    const bus = this.buses.require(input.EventBusName);
    const rule = this.rules.find(
      (r) => r.definition.name === input.Name && r.definition.eventBusName === bus.name,
    );
    if (rule === undefined) throw notFound(`Rule ${input.Name} does not exist on EventBus ${bus.name}.`);
    return { ...ruleView(rule.definition), CreatedBy: this.accountId };
  }

  listEventBuses(input: { NamePrefix?: string; Limit?: number; NextToken?: string }) {
    const all = this.buses
      .all()
      .filter((b) => input.NamePrefix === undefined || b.name.startsWith(input.NamePrefix))
      .sort((a, b) => a.name.localeCompare(b.name));
    const { page, nextToken } = paginate(all, input.Limit, input.NextToken);
    return {
      EventBuses: page.map((b) => ({ Name: b.name, Arn: b.arn })),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  /** Every rule with its targets (`GET /_local/rules`): which function or queue a delivery went to. */
  ruleDefinitions(): LocalRuleDefinition[] {
    return this.rules.map((rule) => rule.definition);
  }

  /** The event log, oldest first, optionally for one bus (`GET /_local/events`). */
  eventLog(busName?: string): { buses: Record<string, EventRecord[]> } {
    const buses: Record<string, EventRecord[]> = {};
    for (const { bus, record } of this.events.all()) {
      if (busName !== undefined && bus !== busName) continue;
      const list = buses[bus] ?? [];
      list.push(record);
      buses[bus] = list;
    }
    return { buses };
  }
}
