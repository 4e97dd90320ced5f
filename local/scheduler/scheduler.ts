/**
 * The local EventBridge Scheduler: schedule groups and schedules (from the template and created at run
 * time through the API), timers that invoke each schedule's target when it falls due, retries and
 * dead-letter queues, ActionAfterCompletion, and persistence across restarts. A schedule that fell due
 * while the local cloud was stopped fires once when it starts again; invocations a stop or a crash cut
 * off are resumed (at least once).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { SchedulerAuthorizer } from '../iam/endpoints';
import { assertLoopbackBind, loopbackOnly } from '../support/loopback';
import {
  deliver,
  type InvocationOutcome,
  isoSeconds,
  type ScheduleDeadLetterSink,
  type ScheduleTargetInvoker,
} from './delivery';
import { nextInvocation, parseScheduleExpression, type ScheduleTiming } from './expression';
import { type ScheduleDefinition, targetKind } from './model';
import { SchedulerApi } from './operations';
import { handleHttp } from './server';
import {
  loadState,
  type SchedulerState,
  type StoredGroup,
  type StoredInvocation,
  type StoredSchedule,
  saveState,
} from './store';

/** A schedule or group the template defines (created like CloudFormation would, kept in step with it). */
export interface TemplateSchedules {
  groups: Array<{ name: string; tags: Array<{ Key: string; Value: string }> }>;
  /** Request bodies as CreateSchedule takes them (dates in epoch seconds), with the schedule name. */
  schedules: Array<{ name: string; request: Record<string, unknown> }>;
}

export interface LocalSchedulerOptions {
  region: string;
  accountId: string;
  invokeTarget: ScheduleTargetInvoker;
  sendToDeadLetter: ScheduleDeadLetterSink;
  template?: TemplateSchedules;
  /** Directory for the persisted state; nothing is persisted without it. */
  dataDir?: string;
  log?: (line: string) => void;
  /** First retry delay; doubles per retry up to `retryMaxDelayMs`. Default 1000. */
  retryBaseDelayMs?: number;
  /** Ceiling for one retry delay. Default 60000. */
  retryMaxDelayMs?: number;
  /** IAM for calls signed by local functions (local/iam): a refusal's message, or undefined to go on. */
  authorize?: SchedulerAuthorizer;
}

export interface InvocationRecord {
  scheduleArn: string;
  /** The target's input as it was sent (a one-time schedule is gone once it fired). */
  input?: string;
  scheduledAt: string;
  startedAt: string;
  attempts: number;
  outcome: InvocationOutcome | 'pending';
  error?: string;
}

/** Node's timers take at most ~24.8 days; far-off schedules re-arm on the way. */
const MAX_TIMER_MS = 6 * 3_600_000;
const HISTORY_LIMIT = 1000;

export class LocalScheduler {
  readonly api: SchedulerApi;
  readonly state: SchedulerState;
  /** Template schedules the local Scheduler cannot run (reported at start, like unsupported resources). */
  readonly warnings: string[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly timings = new Map<string, ScheduleTiming>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sleepers = new Set<() => void>();
  private readonly history: InvocationRecord[] = [];
  private readonly log: (line: string) => void;
  private server: Server | undefined;
  private started = false;
  private closed = false;
  /** Invocations fired in this turn of the event loop: persisted with one save, then started. */
  private firing: StoredInvocation[] = [];
  private firingTurn: NodeJS.Immediate | undefined;
  private savingTurn: NodeJS.Immediate | undefined;

  /** See `LocalSchedulerOptions.authorize`; the HTTP face (server.ts) asks it. */
  get authorizer(): SchedulerAuthorizer | undefined {
    return this.options.authorize;
  }

  constructor(private readonly options: LocalSchedulerOptions) {
    this.log = options.log ?? (() => {});
    this.state = loadState(options.dataDir);
    this.api = new SchedulerApi(this, options.region, options.accountId);
    if (!this.state.groups.some((g) => g.name === 'default')) {
      const now = Date.now();
      this.state.groups.push({ name: 'default', creationDate: now, lastModificationDate: now, tags: [] });
    }
    if (options.template) this.warnings.push(...this.api.applyTemplate(options.template));
    this.save();
  }

  // ---------- lifecycle ----------

  /**
   * Starts the HTTP endpoint and (unless `start: false`, for a caller whose targets are not up yet)
   * the timers; resolves with the endpoint URL.
   */
  async listen(port: number, host = '127.0.0.1', options: { start?: boolean } = {}): Promise<string> {
    assertLoopbackBind(host);
    const server = createServer(
      loopbackOnly((req, res) => {
        handleHttp(this, req, res).catch((error: unknown) => {
          this.log(`internal error: ${(error as Error).stack ?? String(error)}`);
          if (!res.headersSent)
            res.writeHead(500, {
              'content-type': 'application/json',
              'x-amzn-errortype': 'InternalServerException',
            });
          res.end(JSON.stringify({ Message: 'internal error' }));
        });
      }),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    if (options.start !== false) this.start();
    const address = server.address();
    const bound = typeof address === 'object' && address !== null ? address.port : port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
    this.log(
      `listening on ${url} (${this.state.schedules.length} schedules, ${this.state.groups.length} groups)`,
    );
    return url;
  }

  /** Arms every schedule and resumes the invocations the last run left unfinished. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const invocation of this.state.invocations) {
      this.log(
        `resuming invocation of ${invocation.groupName}/${invocation.name} due ${isoSeconds(invocation.scheduledAt)} after a restart`,
      );
      this.run(invocation);
    }
    for (const schedule of [...this.state.schedules]) this.arm(schedule);
  }

  /** Stops the timers and waiting retries (their invocations stay persisted) and closes the endpoint. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    // Fired but not started, or finished but not saved: persist them (they resume after a restart).
    if (this.firingTurn !== undefined || this.savingTurn !== undefined) {
      clearImmediate(this.firingTurn);
      clearImmediate(this.savingTurn);
      this.firingTurn = this.savingTurn = undefined;
      this.firing = [];
      this.save();
    }
    for (const wake of this.sleepers) wake();
    await Promise.allSettled([...this.inFlight]);
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** Resolves once every invocation started so far (including retries) has finished. */
  async whenIdle(): Promise<void> {
    for (;;) {
      if (this.firingTurn !== undefined) await new Promise((resolve) => setImmediate(resolve));
      else if (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      else return;
    }
  }

  /** Invocations so far (oldest first, the last 1000): what `GET /_local/schedules` shows. */
  invocations(): InvocationRecord[] {
    return [...this.history];
  }

  save(): void {
    saveState(this.options.dataDir, this.state);
  }

  /**
   * A save at the end of this turn of the event loop, for what the timers do (invocations finishing,
   * completed schedules deleted): a burst of schedules falling due together shares one save instead
   * of one each, which held the event loop, and every local service on it, for tens of ms. A crash
   * before it resumes the invocation after the restart (at least once, as Scheduler promises).
   * API changes still save before they answer.
   */
  private saveSoon(): void {
    this.savingTurn ??= setImmediate(() => {
      this.savingTurn = undefined;
      this.save();
    });
  }

  scheduleArn(groupName: string, name: string): string {
    return `arn:aws:scheduler:${this.options.region}:${this.options.accountId}:schedule/${groupName}/${name}`;
  }

  // ---------- timers ----------

  private key(schedule: { definition: ScheduleDefinition }): string {
    return `${schedule.definition.GroupName}/${schedule.definition.Name}`;
  }

  private timing(schedule: StoredSchedule): ScheduleTiming {
    const key = `${this.key(schedule)}#${schedule.generation}`;
    let timing = this.timings.get(key);
    if (timing === undefined) {
      const d = schedule.definition;
      timing = parseScheduleExpression(d.ScheduleExpression, d.ScheduleExpressionTimezone ?? 'UTC');
      this.timings.set(key, timing);
    }
    return timing;
  }

  /** The next time the schedule is due, or undefined when it has no invocation left. */
  private due(schedule: StoredSchedule): number | undefined {
    const timing = this.timing(schedule);
    // A one-time schedule whose time passed before it was created (or updated) fires at once.
    if (timing.kind === 'at') return schedule.lastScheduledAt === undefined ? timing.at : undefined;
    const d = schedule.definition;
    const after = schedule.lastScheduledAt ?? schedule.anchor - 1;
    return nextInvocation(
      timing,
      {
        anchor: schedule.anchor,
        ...(d.StartDate !== undefined && { startDate: d.StartDate }),
        ...(d.EndDate !== undefined && { endDate: d.EndDate }),
      },
      after,
    );
  }

  /** (Re)arms a schedule's timer after it was created, changed, loaded or fired. */
  arm(schedule: StoredSchedule): void {
    const key = this.key(schedule);
    const previous = this.timers.get(key);
    if (previous !== undefined) clearTimeout(previous);
    this.timers.delete(key);
    this.timings.forEach((_, k) => {
      if (k.startsWith(`${key}#`) && k !== `${key}#${schedule.generation}`) this.timings.delete(k);
    });
    if (!this.started || this.closed || schedule.definition.State !== 'ENABLED') return;
    const due = this.due(schedule);
    if (due === undefined) {
      // Nothing left to run: a finished schedule is deleted now if it asks for it and nothing is in flight.
      const running = this.state.invocations.some(
        (i) => i.groupName === schedule.definition.GroupName && i.name === schedule.definition.Name,
      );
      if (!running) this.complete(schedule, schedule.generation);
      return;
    }
    const wait = Math.min(Math.max(0, due - Date.now()), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      // Timers may fire a little early; never invoke before the due time.
      if (Date.now() < due) this.arm(schedule);
      else this.fire(schedule, due);
    }, wait);
    timer.unref();
    this.timers.set(key, timer);
  }

  /** Stops a schedule's timer (it was deleted or replaced). */
  disarm(groupName: string, name: string): void {
    const key = `${groupName}/${name}`;
    const timer = this.timers.get(key);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(key);
  }

  private fire(schedule: StoredSchedule, due: number): void {
    const d = schedule.definition;
    const now = Date.now();
    if (now - due > 60_000)
      this.log(
        `schedule ${this.key(schedule)} fell due at ${isoSeconds(due)} while stopped: firing once now`,
      );
    schedule.lastScheduledAt = due;
    // A recurring schedule that fell due while stopped fires once, then continues from now.
    const timing = this.timing(schedule);
    if (timing.kind !== 'at' && now - due > 1000) schedule.lastScheduledAt = Math.max(due, now - 1000);
    const invocation: StoredInvocation = {
      id: randomUUID(),
      groupName: d.GroupName,
      name: d.Name,
      scheduleArn: this.scheduleArn(d.GroupName, d.Name),
      generation: schedule.generation,
      scheduledAt: due,
      createdAt: now,
      attempts: 0,
      target: d.Target,
      last: timing.kind === 'at' || this.due(schedule) === undefined,
    };
    this.state.invocations.push(invocation);
    this.log(`schedule ${this.key(schedule)} fired (due ${isoSeconds(due)}, ${now - due} ms after)`);
    this.startSoon(invocation);
    if (!invocation.last) this.arm(schedule);
  }

  /**
   * Starts a fired invocation once it is persisted. Schedules due at the same time (a burst of
   * embargoes) fire in the same timer phase: they are persisted with ONE save at the end of it and
   * then started together, never started before they are on disk.
   */
  private startSoon(invocation: StoredInvocation): void {
    this.firing.push(invocation);
    this.firingTurn ??= setImmediate(() => {
      this.firingTurn = undefined;
      const fired = this.firing.splice(0);
      this.save();
      for (const next of fired) this.run(next);
    });
  }

  private run(invocation: StoredInvocation): void {
    const record: InvocationRecord = {
      scheduleArn: invocation.scheduleArn,
      ...(invocation.target.Input !== undefined && { input: invocation.target.Input }),
      scheduledAt: isoSeconds(invocation.scheduledAt),
      startedAt: new Date().toISOString(),
      attempts: invocation.attempts,
      outcome: 'pending',
    };
    this.history.push(record);
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    const work = deliver(invocation, {
      invoke: this.options.invokeTarget,
      sendToDeadLetter: this.options.sendToDeadLetter,
      kindOf: (arn) => targetKind(arn) ?? 'lambda',
      retryBaseDelayMs: this.options.retryBaseDelayMs ?? 1000,
      retryMaxDelayMs: this.options.retryMaxDelayMs ?? 60_000,
      save: () => this.save(),
      sleep: (ms) => this.sleep(ms),
      isClosed: () => this.closed,
      log: this.log,
    }).then((outcome) => {
      record.attempts = invocation.attempts;
      if (invocation.lastError && outcome !== 'delivered') record.error = invocation.lastError.message;
      if (outcome === undefined) return; // stopped: resumed after the restart
      record.outcome = outcome;
      this.state.invocations = this.state.invocations.filter((i) => i !== invocation);
      const schedule = this.api.findSchedule(invocation.groupName, invocation.name);
      if (invocation.last && schedule !== undefined) this.complete(schedule, invocation.generation);
      this.saveSoon();
    });
    const tracked = work.catch((error: unknown) => this.log(`invocation error: ${String(error)}`));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  /** ActionAfterCompletion: DELETE removes a schedule that has nothing left to invoke. */
  private complete(schedule: StoredSchedule, generation: number): void {
    if (schedule.generation !== generation || schedule.definition.ActionAfterCompletion !== 'DELETE') return;
    this.log(`schedule ${this.key(schedule)} completed: deleted (ActionAfterCompletion DELETE)`);
    this.api.removeSchedule(schedule, { completed: true, persist: false });
    this.saveSoon();
  }

  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve(!this.closed);
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

export type { StoredGroup, StoredSchedule };
