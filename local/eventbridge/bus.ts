/**
 * The local EventBridge: buses, rules with targets (input shaping, retries, dead-letter queues), schedules,
 * archives and replays, an inspectable event log, and persistence of that log and of archives.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { EventBridgeAuthorizer } from '../iam/endpoints';
import { assertLoopbackBind, loopbackOnly } from '../support/loopback';
import { AwsApiError, notFound, validationError } from './errors';
import { targetPayload } from './input';
import {
  type CompiledPattern,
  type FlattenedEvent,
  flattenEvent,
  InvalidEventPatternError,
  matches,
  parsePattern,
  parseTestEvent,
} from './pattern';
import { nextFireTime, parseSchedule, type Schedule } from './schedule';
import { handleHttp } from './server';

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

interface CompiledRule {
  definition: LocalRuleDefinition;
  pattern: CompiledPattern | undefined;
  schedule: Schedule | undefined;
}

interface ArchivedEvent {
  archive: string;
  archivedAt: number; // epoch ms
  event: EventEnvelope;
}

interface Replay {
  name: string;
  arn: string;
  archiveArn: string;
  destination: { Arn: string; FilterArns?: string[] };
  eventStartTime: number; // epoch ms
  eventEndTime: number;
  state: 'STARTING' | 'RUNNING' | 'COMPLETED' | 'FAILED';
  stateReason?: string;
  replayStartTime: number;
  replayEndTime?: number;
  eventLastReplayedTime?: number;
}

const DEFAULT_MAX_RETRY_ATTEMPTS = 185;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;
/** PutEvents accepts at most this many bytes (AWS's entry-size formula, summed over the request). */
export const MAX_PUT_EVENTS_SIZE = 262_144;
const utf8Length = (text: string) => Buffer.byteLength(text, 'utf8');

/** AWS's size of one PutEvents entry: 14 bytes for Time plus the UTF-8 bytes of the text fields. */
export function putEventsEntrySize(entry: PutEventsEntry): number {
  let size = entry.Time !== undefined ? 14 : 0;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (typeof text === 'string') size += utf8Length(text);
  }
  return size;
}

/** `2024-01-01T00:00:00Z`: AWS stamps events with second precision. */
const isoSeconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

export function busNameOf(nameOrArn: string | undefined): string {
  if (nameOrArn === undefined || nameOrArn === '') return 'default';
  const marker = ':event-bus/';
  const at = nameOrArn.indexOf(marker);
  return nameOrArn.startsWith('arn:') && at >= 0 ? nameOrArn.slice(at + marker.length) : nameOrArn;
}

function parsePatternOption(pattern: string | object | undefined): CompiledPattern | undefined {
  return pattern === undefined ? undefined : parsePattern(pattern);
}

const patternText = (pattern: string | object | undefined) =>
  pattern === undefined ? undefined : typeof pattern === 'string' ? pattern : JSON.stringify(pattern);

export class LocalEventBridge {
  private readonly buses = new Map<string, LocalBusDefinition>();
  private readonly rules: CompiledRule[];
  private readonly archives = new Map<
    string,
    { definition: LocalArchiveDefinition; pattern: CompiledPattern | undefined; createdAt: number }
  >();
  private readonly archived: ArchivedEvent[] = [];
  private readonly replays = new Map<string, Replay>();
  private readonly records: Array<{ bus: string; record: EventRecord }> = [];
  private readonly recordsById = new Map<string, EventRecord>();
  /**
   * Records by their place in the log. A replay logs its event again under the same id, so
   * deliveries are logged against the record's `seq`, not only its event id.
   */
  private readonly recordsBySeq = new Map<number, { record: EventRecord; ingestionTime: number }>();
  private readonly seqOfRecord = new WeakMap<EventRecord, number>();
  private readonly seqOfDelivery = new WeakMap<DeliveryRecord, number>();
  private nextSeq = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();
  private readonly log: (line: string) => void;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private server: Server | undefined;
  private closed = false;
  /** Deliveries the last run left unfinished (stopped during retries, or killed): resumed by `listen`. */
  private unfinished: Array<{
    rule: LocalRuleDefinition;
    target: LocalTargetDefinition;
    record: EventRecord;
    delivery: DeliveryRecord;
    ingestionTime: number;
  }> = [];

  /** See `LocalEventBridgeOptions.authorize`; the HTTP face (server.ts) asks it. */
  get authorizer(): EventBridgeAuthorizer | undefined {
    return this.options.authorize;
  }

  constructor(private readonly options: LocalEventBridgeOptions) {
    this.log = options.log ?? (() => {});
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 1000;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 60_000;
    const defaultBus = { name: 'default', arn: this.busArn('default') };
    for (const bus of [defaultBus, ...options.buses]) this.buses.set(bus.name, bus);
    this.rules = options.rules.map((definition) => {
      const busName = busNameOf(definition.eventBusName);
      if (!this.buses.has(busName))
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
    const now = Date.now();
    for (const archive of options.archives) {
      this.archives.set(archive.name, {
        definition: archive,
        pattern: parsePatternOption(archive.eventPattern),
        createdAt: now,
      });
    }
    this.loadPersisted();
  }

  // ---------- lifecycle ----------

  /** Starts the HTTP endpoint and the schedules; resolves with the endpoint URL. */
  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    assertLoopbackBind(host);
    const server = createServer(
      loopbackOnly((req, res) => {
        handleHttp(this, req, res).catch((error: unknown) => {
          this.log(`[eventbridge] internal error: ${(error as Error).stack ?? String(error)}`);
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ __type: 'InternalException', message: 'internal error' }));
        });
      }),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.startSchedules();
    this.resumeUnfinished();
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.log(
      `[eventbridge] listening on ${url} (${this.buses.size} buses, ${this.rules.length} rules, ${this.archives.size} archives)`,
    );
    return url;
  }

  /** Stops schedules and pending retries (their deliveries end as `cancelled`) and closes the endpoint. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
    await Promise.allSettled([...this.inFlight]);
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** Resolves once every delivery started so far (including retries and replays) has finished. */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) =>
      this.log(`[eventbridge] background error: ${String(error)}`),
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.timers.add(timer);
      this.sleepers.add(wake);
    });
  }

  // ---------- ARNs ----------

  private busArn(name: string): string {
    return `arn:aws:events:${this.options.region}:${this.options.accountId}:event-bus/${name}`;
  }

  private requireBus(nameOrArn: string | undefined): LocalBusDefinition {
    const name = busNameOf(nameOrArn);
    const bus = this.buses.get(name);
    if (bus === undefined) throw notFound(`Event bus ${name} does not exist.`);
    return bus;
  }

  // ---------- API operations ----------

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
    if (!this.buses.has(busName)) {
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
      account: this.options.accountId,
      time: isoSeconds(Number.isFinite(time) ? time : Date.now()),
      region: this.options.region,
      resources: entry.Resources ?? [],
      detail: detail as Record<string, unknown>,
    };
    this.log(
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

  private ruleView(rule: LocalRuleDefinition) {
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

  listRules(input: { NamePrefix?: string; EventBusName?: string; Limit?: number; NextToken?: string }) {
    const bus = this.requireBus(input.EventBusName);
    const all = this.rules
      .map((r) => r.definition)
      .filter(
        (r) =>
          r.eventBusName === bus.name &&
          (input.NamePrefix === undefined || r.name.startsWith(input.NamePrefix)),
      )
      .sort((a, b) => a.name.localeCompare(b.name));
    const { page, nextToken } = paginate(all, input.Limit, input.NextToken);
    return { Rules: page.map((r) => this.ruleView(r)), ...(nextToken ? { NextToken: nextToken } : {}) };
  }

  describeRule(input: { Name?: string; EventBusName?: string }) {
    const bus = this.requireBus(input.EventBusName);
    const rule = this.rules.find(
      (r) => r.definition.name === input.Name && r.definition.eventBusName === bus.name,
    );
    if (rule === undefined) throw notFound(`Rule ${input.Name} does not exist on EventBus ${bus.name}.`);
    return { ...this.ruleView(rule.definition), CreatedBy: this.options.accountId };
  }

  listEventBuses(input: { NamePrefix?: string; Limit?: number; NextToken?: string }) {
    const all = [...this.buses.values()]
      .filter((b) => input.NamePrefix === undefined || b.name.startsWith(input.NamePrefix))
      .sort((a, b) => a.name.localeCompare(b.name));
    const { page, nextToken } = paginate(all, input.Limit, input.NextToken);
    return {
      EventBuses: page.map((b) => ({ Name: b.name, Arn: b.arn })),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  private archiveView(name: string) {
    const entry = this.archives.get(name);
    if (entry === undefined) throw notFound(`Archive ${name} does not exist.`);
    const events = this.archived.filter((a) => a.archive === name);
    return {
      ArchiveName: name,
      EventSourceArn: entry.definition.sourceBusArn,
      State: 'ENABLED',
      RetentionDays: entry.definition.retentionDays ?? 0,
      SizeBytes: events.reduce((sum, a) => sum + utf8Length(JSON.stringify(a.event)), 0),
      EventCount: events.length,
      CreationTime: entry.createdAt / 1000,
    };
  }

  listArchives(input: {
    NamePrefix?: string;
    EventSourceArn?: string;
    State?: string;
    Limit?: number;
    NextToken?: string;
  }) {
    const names = [...this.archives.values()]
      .map((a) => a.definition)
      .filter(
        (a) =>
          (input.NamePrefix === undefined || a.name.startsWith(input.NamePrefix)) &&
          (input.EventSourceArn === undefined || a.sourceBusArn === input.EventSourceArn) &&
          (input.State === undefined || input.State === 'ENABLED'),
      )
      .map((a) => a.name)
      .sort();
    const { page, nextToken } = paginate(names, input.Limit, input.NextToken);
    return {
      Archives: page.map((name) => this.archiveView(name)),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  describeArchive(input: { ArchiveName?: string }) {
    const view = this.archiveView(input.ArchiveName ?? '');
    const definition = this.archives.get(view.ArchiveName)?.definition as LocalArchiveDefinition;
    return {
      ...view,
      ArchiveArn: definition.arn,
      ...(definition.eventPattern !== undefined
        ? { EventPattern: patternText(definition.eventPattern) }
        : {}),
      ...(definition.description !== undefined ? { Description: definition.description } : {}),
    };
  }

  startReplay(input: {
    ReplayName?: string;
    EventSourceArn?: string;
    EventStartTime?: number;
    EventEndTime?: number;
    Destination?: { Arn?: string; FilterArns?: string[] };
  }) {
    const name = input.ReplayName;
    if (!name)
      throw validationError('Parameter ReplayName is not valid. Reason: ReplayName is a required argument.');
    if (this.replays.has(name))
      throw new AwsApiError('ResourceAlreadyExistsException', `Replay ${name} already exists.`);
    const archive = [...this.archives.values()].find((a) => a.definition.arn === input.EventSourceArn);
    if (archive === undefined) throw notFound(`Archive ${input.EventSourceArn ?? ''} does not exist.`);
    if (input.EventStartTime === undefined || input.EventEndTime === undefined) {
      throw validationError('Parameter EventStartTime and EventEndTime are required.');
    }
    if (input.EventStartTime >= input.EventEndTime) {
      throw validationError(
        'Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.',
      );
    }
    const destinationArn = input.Destination?.Arn;
    if (destinationArn !== archive.definition.sourceBusArn) {
      throw validationError(
        'Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.',
      );
    }
    const replay: Replay = {
      name,
      arn: `arn:aws:events:${this.options.region}:${this.options.accountId}:replay/${name}`,
      archiveArn: archive.definition.arn,
      destination: {
        Arn: destinationArn,
        ...(input.Destination?.FilterArns ? { FilterArns: input.Destination.FilterArns } : {}),
      },
      eventStartTime: input.EventStartTime * 1000,
      eventEndTime: input.EventEndTime * 1000,
      state: 'STARTING',
      replayStartTime: Date.now(),
    };
    this.replays.set(name, replay);
    this.track(this.runReplay(replay, archive.definition.name));
    return {
      ReplayArn: replay.arn,
      State: replay.state,
      StateReason: 'Replay is starting.',
      ReplayStartTime: replay.replayStartTime / 1000,
    };
  }

  describeReplay(input: { ReplayName?: string }) {
    const replay = this.replays.get(input.ReplayName ?? '');
    if (replay === undefined) throw notFound(`Replay ${input.ReplayName} does not exist.`);
    return {
      ReplayName: replay.name,
      ReplayArn: replay.arn,
      State: replay.state,
      ...(replay.stateReason ? { StateReason: replay.stateReason } : {}),
      EventSourceArn: replay.archiveArn,
      Destination: replay.destination,
      EventStartTime: replay.eventStartTime / 1000,
      EventEndTime: replay.eventEndTime / 1000,
      ReplayStartTime: replay.replayStartTime / 1000,
      ...(replay.eventLastReplayedTime !== undefined
        ? { EventLastReplayedTime: replay.eventLastReplayedTime / 1000 }
        : {}),
      ...(replay.replayEndTime !== undefined ? { ReplayEndTime: replay.replayEndTime / 1000 } : {}),
    };
  }

  private async runReplay(replay: Replay, archiveName: string): Promise<void> {
    await Promise.resolve();
    replay.state = 'RUNNING';
    const bus = this.requireBus(replay.destination.Arn);
    const events = this.archived.filter(
      (a) =>
        a.archive === archiveName &&
        a.archivedAt >= replay.eventStartTime &&
        a.archivedAt < replay.eventEndTime,
    );
    this.log(
      `[eventbridge] replay ${replay.name}: re-sending ${events.length} archived events to bus ${bus.name}`,
    );
    for (const archived of events) {
      const event: EventEnvelope = { ...archived.event, 'replay-name': replay.name };
      this.dispatch(bus.name, event, { replay });
      replay.eventLastReplayedTime = archived.archivedAt;
    }
    replay.state = 'COMPLETED';
    replay.replayEndTime = Date.now();
  }

  /** Every rule with its targets (`GET /_local/rules`): which function or queue a delivery went to. */
  ruleDefinitions(): LocalRuleDefinition[] {
    return this.rules.map((rule) => rule.definition);
  }

  /** The event log, oldest first, optionally for one bus. */
  eventLog(busName?: string): { buses: Record<string, EventRecord[]> } {
    const buses: Record<string, EventRecord[]> = {};
    for (const { bus, record } of this.records) {
      if (busName !== undefined && bus !== busName) continue;
      const list = buses[bus] ?? [];
      list.push(record);
      buses[bus] = list;
    }
    return { buses };
  }

  // ---------- routing and delivery ----------

  private dispatch(busName: string, event: EventEnvelope, context: { replay?: Replay }): void {
    const flat = flattenEvent(event);
    const ingestionTime = Date.now();
    const filterArns = context.replay?.destination.FilterArns;
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
    this.appendRecord(busName, record, ingestionTime);
    for (const rule of matched)
      this.log(`[eventbridge] rule ${rule.definition.name} matched event ${event.id}`);
    if (matched.length === 0) this.log(`[eventbridge] no rule on bus ${busName} matched event ${event.id}`);

    // Replayed events are not archived again (AWS skips them too).
    if (context.replay === undefined) this.archiveEvent(busName, event, flat, ingestionTime);

    for (const rule of matched) {
      for (const target of rule.definition.targets) {
        const delivery: DeliveryRecord = {
          rule: rule.definition.name,
          target: target.id,
          attempts: 0,
          outcome: 'pending',
        };
        this.addDelivery(record, delivery);
        this.track(this.deliver(rule.definition, target, event, delivery, ingestionTime));
      }
    }
  }

  private archiveEvent(
    busName: string,
    event: EventEnvelope,
    flat: FlattenedEvent,
    archivedAt: number,
  ): void {
    const busArn = this.buses.get(busName)?.arn;
    for (const { definition, pattern } of this.archives.values()) {
      if (definition.sourceBusArn !== busArn) continue;
      if (pattern !== undefined && !matches(pattern, flat)) continue;
      const archived: ArchivedEvent = { archive: definition.name, archivedAt, event };
      this.archived.push(archived);
      this.persist('archives.jsonl', archived);
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
    let payload: string;
    try {
      payload = targetPayload(target, {
        event: event as unknown as Record<string, unknown>,
        ruleArn: rule.arn,
        ruleName: rule.name,
        ingestionTime: isoSeconds(ingestionTime),
      });
    } catch (error) {
      return this.giveUp(
        rule,
        target,
        event,
        delivery,
        'InputTransformationFailure',
        (error as Error).message,
        'None',
        where,
      );
    }
    for (;;) {
      if (this.closed) {
        delivery.outcome = 'cancelled';
        this.log(`[eventbridge] delivery cancelled (shutting down): ${where}`);
        this.persistDelivery(event.id, delivery);
        return;
      }
      // Only a delivery resumed after a restart can be this old before an attempt.
      if (Date.now() - ingestionTime > maxAgeMs) {
        return this.giveUp(
          rule,
          target,
          event,
          delivery,
          'EventExpired',
          delivery.error ??
            'The event is older than the target allows; it was not delivered before the restart',
          'MaximumEventAgeInSeconds',
          where,
        );
      }
      delivery.attempts++;
      try {
        await this.options.invokeTarget(target, payload);
        delivery.outcome = 'delivered';
        delete delivery.error;
        this.log(
          `[eventbridge] delivered ${where} attempt=${delivery.attempts} retries=${delivery.attempts - 1} -> ok`,
        );
        this.persistDelivery(event.id, delivery);
        return;
      } catch (error) {
        delivery.error = (error as Error).message ?? String(error);
        const retriesSoFar = delivery.attempts - 1;
        const delay = Math.min(this.retryBaseDelayMs * 2 ** retriesSoFar, this.retryMaxDelayMs);
        this.log(
          `[eventbridge] delivery failed ${where} attempt=${delivery.attempts} retries=${retriesSoFar}: ${delivery.error}`,
        );
        if (retriesSoFar >= maxRetries) {
          return this.giveUp(
            rule,
            target,
            event,
            delivery,
            errorCodeOf(error),
            delivery.error,
            'MaximumRetryAttempts',
            where,
          );
        }
        if (Date.now() + delay - ingestionTime > maxAgeMs) {
          return this.giveUp(
            rule,
            target,
            event,
            delivery,
            errorCodeOf(error),
            delivery.error,
            'MaximumEventAgeInSeconds',
            where,
          );
        }
        await this.sleep(delay);
      }
    }
  }

  private async giveUp(
    rule: LocalRuleDefinition,
    target: LocalTargetDefinition,
    event: EventEnvelope,
    delivery: DeliveryRecord,
    errorCode: string,
    errorMessage: string,
    exhausted: string,
    where: string,
  ): Promise<void> {
    delivery.error = errorMessage;
    if (target.deadLetterArn === undefined) {
      delivery.outcome = 'dropped';
      this.log(
        `[eventbridge] !!! DROPPED ${where} after ${delivery.attempts} attempts (${exhausted}), no dead-letter queue: ${errorMessage}`,
      );
      this.persistDelivery(event.id, delivery);
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
      this.log(
        `[eventbridge] dead-lettered ${where} to ${target.deadLetterArn} after ${delivery.attempts} attempts (${exhausted})`,
      );
    } catch (error) {
      delivery.outcome = 'dropped';
      this.log(
        `[eventbridge] !!! DROPPED ${where}: dead-letter queue ${target.deadLetterArn} failed: ${(error as Error).message}`,
      );
    }
    this.persistDelivery(event.id, delivery);
  }

  // ---------- schedules ----------

  private startSchedules(): void {
    const since = new Date();
    for (const rule of this.rules) {
      if (rule.schedule === undefined || rule.definition.state !== 'ENABLED') continue;
      const schedule = rule.schedule;
      const arm = (after: Date) => {
        const next = nextFireTime(schedule, after, since);
        if (next === undefined || this.closed) return;
        const timer = setTimeout(
          () => {
            this.timers.delete(timer);
            this.fireSchedule(rule.definition, next);
            arm(next);
          },
          Math.max(0, next.getTime() - Date.now()),
        );
        timer.unref();
        this.timers.add(timer);
      };
      arm(since);
      this.log(`[eventbridge] schedule ${rule.definition.name}: ${rule.definition.scheduleExpression}`);
    }
  }

  private fireSchedule(rule: LocalRuleDefinition, at: Date): void {
    const event: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: this.options.accountId,
      time: isoSeconds(at.getTime()),
      region: this.options.region,
      resources: [rule.arn],
      detail: {},
    };
    this.log(`[eventbridge] schedule ${rule.name} fired event ${event.id}`);
    const ingestionTime = Date.now();
    const record: EventRecord = {
      event,
      ingestedAt: new Date(ingestionTime).toISOString(),
      matchedRules: [rule.name],
      deliveries: [],
    };
    this.appendRecord(rule.eventBusName, record, ingestionTime);
    for (const target of rule.targets) {
      const delivery: DeliveryRecord = {
        rule: rule.name,
        target: target.id,
        attempts: 0,
        outcome: 'pending',
      };
      this.addDelivery(record, delivery);
      this.track(this.deliver(rule, target, event, delivery, ingestionTime));
    }
  }

  /**
   * Deliveries of logged events that never reached an outcome: stopped while waiting for a retry
   * (`cancelled`) or cut off by a crash (no outcome logged). Targets are those of the current
   * template's rules; a rule that is gone is not resumed. Logs written before records had a `seq`
   * cannot tell a replay's deliveries from the original's, so their records are never resumed.
   */
  private unfinishedDeliveries(): LocalEventBridge['unfinished'] {
    const unfinished: LocalEventBridge['unfinished'] = [];
    for (const { record, ingestionTime } of this.recordsBySeq.values()) {
      for (const ruleName of record.matchedRules) {
        const rule = this.rules.find((r) => r.definition.name === ruleName)?.definition;
        if (rule === undefined) continue;
        for (const target of rule.targets) {
          let delivery = record.deliveries.find((d) => d.rule === ruleName && d.target === target.id);
          if (delivery !== undefined && delivery.outcome !== 'cancelled' && delivery.outcome !== 'pending')
            continue;
          if (delivery === undefined) {
            delivery = { rule: ruleName, target: target.id, attempts: 0, outcome: 'pending' };
            this.addDelivery(record, delivery);
          }
          unfinished.push({ rule, target, record, delivery, ingestionTime });
        }
      }
    }
    return unfinished;
  }

  /** At-least-once across restarts: every delivery the last run left unfinished is attempted again. */
  private resumeUnfinished(): void {
    for (const { rule, target, record, delivery, ingestionTime } of this.unfinished.splice(0)) {
      delivery.outcome = 'pending';
      this.log(
        `[eventbridge] resuming delivery of event ${record.event.id} rule=${rule.name} target=${target.id} after a restart (attempts so far: ${delivery.attempts})`,
      );
      this.track(this.deliver(rule, target, record.event, delivery, ingestionTime));
    }
  }

  // ---------- persistence ----------

  private appendRecord(bus: string, record: EventRecord, ingestionTime: number): void {
    const seq = this.nextSeq++;
    this.records.push({ bus, record });
    this.recordsById.set(record.event.id, record);
    this.recordsBySeq.set(seq, { record, ingestionTime });
    this.seqOfRecord.set(record, seq);
    this.persist('events.jsonl', {
      type: 'event',
      seq,
      bus,
      event: record.event,
      matchedRules: record.matchedRules,
      ingestionTime,
    });
  }

  /** Adds a delivery to its event's record, so its outcome is logged against that record. */
  private addDelivery(record: EventRecord, delivery: DeliveryRecord, at = record.deliveries.length): void {
    record.deliveries[at] = delivery;
    const seq = this.seqOfRecord.get(record);
    if (seq !== undefined) this.seqOfDelivery.set(delivery, seq);
  }

  private persistDelivery(eventId: string, delivery: DeliveryRecord): void {
    const seq = this.seqOfDelivery.get(delivery);
    this.persist('events.jsonl', {
      type: 'delivery',
      eventId,
      ...(seq !== undefined && { seq }),
      ...delivery,
    });
  }

  private persist(file: string, line: unknown): void {
    const dir = this.options.dataDir;
    if (dir === undefined) return;
    mkdirSync(dir, { recursive: true });
    appendFileSync(join(dir, file), `${JSON.stringify(line)}\n`);
  }

  private loadPersisted(): void {
    const dir = this.options.dataDir;
    if (dir === undefined) return;
    for (const line of readLines(join(dir, 'events.jsonl'))) {
      if (line.type === 'event') {
        const record: EventRecord = {
          event: line.event,
          ingestedAt: new Date(Number(line.ingestionTime ?? Date.parse(line.event.time))).toISOString(),
          matchedRules: line.matchedRules ?? [],
          deliveries: [],
        };
        this.records.push({ bus: line.bus, record });
        this.recordsById.set(record.event.id, record);
        if (typeof line.seq === 'number') {
          this.recordsBySeq.set(line.seq, { record, ingestionTime: Number(line.ingestionTime) });
          this.seqOfRecord.set(record, line.seq);
          this.nextSeq = Math.max(this.nextSeq, line.seq + 1);
        }
      } else if (line.type === 'delivery') {
        const record =
          typeof line.seq === 'number'
            ? this.recordsBySeq.get(line.seq)?.record
            : this.recordsById.get(line.eventId);
        if (record === undefined) continue;
        const delivery: DeliveryRecord = {
          rule: line.rule,
          target: line.target,
          attempts: line.attempts,
          outcome: line.outcome,
        };
        if (line.error !== undefined) delivery.error = line.error;
        const existing = record.deliveries.findIndex(
          (d) => d.rule === delivery.rule && d.target === delivery.target,
        );
        this.addDelivery(record, delivery, existing >= 0 ? existing : record.deliveries.length);
      }
    }
    this.unfinished = this.unfinishedDeliveries();
    const cutoff = (days: number | undefined) =>
      days ? Date.now() - days * 86_400_000 : Number.NEGATIVE_INFINITY;
    for (const line of readLines(join(dir, 'archives.jsonl'))) {
      const archive = this.archives.get(line.archive);
      // Archives that left the template are not resurrected; expired events are dropped (RetentionDays).
      if (archive === undefined || line.archivedAt < cutoff(archive.definition.retentionDays)) continue;
      this.archived.push({ archive: line.archive, archivedAt: line.archivedAt, event: line.event });
    }
  }
}

// biome-ignore lint/suspicious/noExplicitAny: persisted lines are our own JSON, read back field by field
function readLines(file: string): any[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return []; // a torn last line after a crash
      }
    });
}

function errorCodeOf(error: unknown): string {
  const named = error as { code?: unknown; name?: unknown };
  if (typeof named.code === 'string' && named.code !== '') return named.code;
  if (typeof named.name === 'string' && named.name !== '' && named.name !== 'Error') return named.name;
  return 'TargetInvocationFailure';
}

function paginate<T>(
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
