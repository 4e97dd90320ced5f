/**
 * Archives and replays: events matching an archive's pattern are kept (`archives.jsonl`, within
 * `RetentionDays`), and a replay sends an archive's events of a time window back to their bus.
 */
import { AwsApiError, notFound, validationError } from './errors';
import { paginate } from './inspection';
import {
  type BusContext,
  type EventEnvelope,
  type LocalArchiveDefinition,
  patternText,
  utf8Length,
} from './model';
import { type CompiledPattern, type FlattenedEvent, matches } from './pattern';
import type { JsonLinesFiles } from './persistence';
import { type Buses, parsePatternOption } from './rules';
import type { BackgroundWork } from './work';

const FILE = 'archives.jsonl';

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

/** Sends a replayed event to a bus, to the rules `filterArns` names (all when absent). */
export type ReplayDispatcher = (bus: string, event: EventEnvelope, replay: { filterArns?: string[] }) => void;

export class Archives {
  private readonly archives = new Map<
    string,
    { definition: LocalArchiveDefinition; pattern: CompiledPattern | undefined; createdAt: number }
  >();
  private readonly archived: ArchivedEvent[] = [];
  private readonly replays = new Map<string, Replay>();

  constructor(
    private readonly context: BusContext,
    definitions: LocalArchiveDefinition[],
    private readonly buses: Buses,
    private readonly files: JsonLinesFiles,
    private readonly work: BackgroundWork,
    private readonly dispatch: ReplayDispatcher,
  ) {
    const now = Date.now();
    for (const archive of definitions) {
      this.archives.set(archive.name, {
        definition: archive,
        pattern: parsePatternOption(archive.eventPattern),
        createdAt: now,
      });
    }
  }

  get size(): number {
    return this.archives.size;
  }

  /** Keeps an event in every archive of its bus whose pattern it matches. */
  archive(busName: string, event: EventEnvelope, flat: FlattenedEvent, archivedAt: number): void {
    const busArn = this.buses.get(busName)?.arn;
    for (const { definition, pattern } of this.archives.values()) {
      if (definition.sourceBusArn !== busArn) continue;
      if (pattern !== undefined && !matches(pattern, flat)) continue;
      const archived: ArchivedEvent = { archive: definition.name, archivedAt, event };
      this.archived.push(archived);
      this.files.append(FILE, archived);
    }
  }

  /** Reads back what an earlier run archived. */
  load(): void {
    const cutoff = (days: number | undefined) =>
      days ? Date.now() - days * 86_400_000 : Number.NEGATIVE_INFINITY;
    for (const line of this.files.read(FILE)) {
      const archive = this.archives.get(line.archive);
      // Archives that left the template are not resurrected; expired events are dropped (RetentionDays).
      if (archive === undefined || line.archivedAt < cutoff(archive.definition.retentionDays)) continue;
      this.archived.push({ archive: line.archive, archivedAt: line.archivedAt, event: line.event });
    }
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
      arn: `arn:aws:events:${this.context.region}:${this.context.accountId}:replay/${name}`,
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
    this.work.track(this.runReplay(replay, archive.definition.name));
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
    const bus = this.buses.require(replay.destination.Arn);
    const events = this.archived.filter(
      (a) =>
        a.archive === archiveName &&
        a.archivedAt >= replay.eventStartTime &&
        a.archivedAt < replay.eventEndTime,
    );
    this.context.log(
      `[eventbridge] replay ${replay.name}: re-sending ${events.length} archived events to bus ${bus.name}`,
    );
    const filterArns = replay.destination.FilterArns;
    for (const archived of events) {
      const event: EventEnvelope = { ...archived.event, 'replay-name': replay.name };
      this.dispatch(bus.name, event, filterArns === undefined ? {} : { filterArns });
      replay.eventLastReplayedTime = archived.archivedAt;
    }
    replay.state = 'COMPLETED';
    replay.replayEndTime = Date.now();
  }
}
