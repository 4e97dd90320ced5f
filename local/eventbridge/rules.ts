/**
 * Buses and rules: PutEvents (AWS's validation and size limits), matching each event against the
 * rules of its bus, logging it, and handing each match to its targets' deliveries.
 */
import { randomUUID } from 'node:crypto';
import { AwsApiError, notFound, validationError } from './errors';
import type {
  BusContext,
  EventEnvelope,
  EventRecord,
  LocalBusDefinition,
  LocalRuleDefinition,
  PutEventsEntry,
  PutEventsResultEntry,
} from './model';
import { isoSeconds, utf8Length } from './model';
import {
  type CompiledPattern,
  type FlattenedEvent,
  flattenEvent,
  InvalidEventPatternError,
  matches,
  parsePattern,
  parseTestEvent,
} from './pattern';
import { parseSchedule, type Schedule } from './schedule';

/** PutEvents accepts at most this many bytes (AWS's entry-size formula, summed over the request). */
export const MAX_PUT_EVENTS_SIZE = 262_144;

/** AWS's size of one PutEvents entry: 14 bytes for Time plus the UTF-8 bytes of the text fields. */
export function putEventsEntrySize(entry: PutEventsEntry): number {
  let size = entry.Time !== undefined ? 14 : 0;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (typeof text === 'string') size += utf8Length(text);
  }
  return size;
}

export function busNameOf(nameOrArn: string | undefined): string {
  if (nameOrArn === undefined || nameOrArn === '') return 'default';
  const marker = ':event-bus/';
  const at = nameOrArn.indexOf(marker);
  return nameOrArn.startsWith('arn:') && at >= 0 ? nameOrArn.slice(at + marker.length) : nameOrArn;
}

export function parsePatternOption(pattern: string | object | undefined): CompiledPattern | undefined {
  return pattern === undefined ? undefined : parsePattern(pattern);
}

export interface CompiledRule {
  definition: LocalRuleDefinition;
  pattern: CompiledPattern | undefined;
  schedule: Schedule | undefined;
}

/** The buses of the template (and `default`) by name. */
export class Buses {
  private readonly byName = new Map<string, LocalBusDefinition>();

  constructor(context: BusContext, buses: LocalBusDefinition[]) {
    const arn = `arn:aws:events:${context.region}:${context.accountId}:event-bus/default`;
    for (const bus of [{ name: 'default', arn }, ...buses]) this.byName.set(bus.name, bus);
  }

  get size(): number {
    return this.byName.size;
  }

  all(): LocalBusDefinition[] {
    return [...this.byName.values()];
  }

  get(name: string): LocalBusDefinition | undefined {
    return this.byName.get(name);
  }

  /** The bus a name or ARN names; `ResourceNotFoundException` when there is none. */
  require(nameOrArn: string | undefined): LocalBusDefinition {
    const name = busNameOf(nameOrArn);
    const bus = this.byName.get(name);
    if (bus === undefined) throw notFound(`Event bus ${name} does not exist.`);
    return bus;
  }
}

export function compileRules(definitions: LocalRuleDefinition[], buses: Buses): CompiledRule[] {
  return definitions.map((definition) => {
    const busName = busNameOf(definition.eventBusName);
    if (buses.get(busName) === undefined)
      throw new Error(`rule ${definition.name}: event bus ${busName} is not defined`);
    return {
      definition: { ...definition, eventBusName: busName },
      pattern: parsePatternOption(definition.eventPattern),
      schedule:
        definition.scheduleExpression === undefined
          ? undefined
          : parseSchedule(definition.scheduleExpression),
    };
  });
}

/** What dispatching needs from the rest of the bus. */
export interface DispatchSinks {
  append(bus: string, record: EventRecord, ingestionTime: number): void;
  archive(bus: string, event: EventEnvelope, flat: FlattenedEvent, archivedAt: number): void;
  deliver(rule: LocalRuleDefinition, record: EventRecord, ingestionTime: number): void;
}

export class Router {
  constructor(
    private readonly context: BusContext,
    private readonly buses: Buses,
    private readonly rules: CompiledRule[],
    private readonly sinks: DispatchSinks,
  ) {}

  putEvents(entries: PutEventsEntry[] | undefined): {
    FailedEntryCount: number;
    Entries: PutEventsResultEntry[];
  } {
    if (!Array.isArray(entries) || entries.length === 0) {
      throw validationError(
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
      );
    }
    if (entries.length > 10) {
      throw validationError(
        "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10",
      );
    }
    const total = entries.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0);
    if (total > MAX_PUT_EVENTS_SIZE)
      throw validationError('Total size of the entries in the request is over the limit.');

    const results = entries.map((entry) => this.putEntry(entry));
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  private putEntry(entry: PutEventsEntry): PutEventsResultEntry {
    const invalidArgument = (field: string) => ({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
    });
    if (!entry.Source) return invalidArgument('Source');
    if (!entry.DetailType) return invalidArgument('DetailType');
    if (!entry.Detail) return invalidArgument('Detail');
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      detail = undefined;
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const busName = busNameOf(entry.EventBusName);
    if (this.buses.get(busName) === undefined) {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };
    }
    const time =
      entry.Time === undefined
        ? Date.now()
        : typeof entry.Time === 'number'
          ? entry.Time * 1000
          : Date.parse(entry.Time);
    const event: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: this.context.accountId,
      time: isoSeconds(Number.isFinite(time) ? time : Date.now()),
      region: this.context.region,
      resources: entry.Resources ?? [],
      detail: detail as Record<string, unknown>,
    };
    this.context.log(
      `[eventbridge] put event ${event.id} on bus ${busName}: source=${event.source} detail-type=${event['detail-type']}`,
    );
    this.dispatch(busName, event, {});
    return { EventId: event.id };
  }

  testEventPattern(eventPattern: string | undefined, event: string | undefined): boolean {
    if (typeof event !== 'string') throw validationError('Parameter Event is not valid.');
    if (typeof eventPattern !== 'string')
      throw new AwsApiError('InvalidEventPatternException', 'Event pattern is not valid.');
    let flat: FlattenedEvent;
    try {
      flat = parseTestEvent(event);
    } catch (error) {
      throw validationError((error as Error).message);
    }
    try {
      return matches(parsePattern(eventPattern), flat);
    } catch (error) {
      if (error instanceof InvalidEventPatternError)
        throw new AwsApiError('InvalidEventPatternException', error.message);
      throw error;
    }
  }

  /**
   * Logs an event on a bus and delivers it to the targets of every enabled rule it matches. A
   * replay's event goes only to the rules its `FilterArns` name, and is not archived again (AWS
   * skips replayed events too).
   */
  dispatch(busName: string, event: EventEnvelope, context: { replay?: { filterArns?: string[] } }): void {
    const flat = flattenEvent(event);
    const ingestionTime = Date.now();
    const filterArns = context.replay?.filterArns;
    const matched = this.rules.filter(
      (rule) =>
        rule.definition.eventBusName === busName &&
        rule.definition.state === 'ENABLED' &&
        rule.pattern !== undefined &&
        (filterArns === undefined || filterArns.includes(rule.definition.arn)) &&
        matches(rule.pattern, flat),
    );
    const record: EventRecord = {
      event,
      ingestedAt: new Date(ingestionTime).toISOString(),
      matchedRules: matched.map((r) => r.definition.name),
      deliveries: [],
    };
    this.sinks.append(busName, record, ingestionTime);
    for (const rule of matched)
      this.context.log(`[eventbridge] rule ${rule.definition.name} matched event ${event.id}`);
    if (matched.length === 0)
      this.context.log(`[eventbridge] no rule on bus ${busName} matched event ${event.id}`);

    if (context.replay === undefined) this.sinks.archive(busName, event, flat, ingestionTime);

    for (const rule of matched) this.sinks.deliver(rule.definition, record, ingestionTime);
  }
}
