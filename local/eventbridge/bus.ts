/**
 * The local EventBridge: buses, rules with targets (input shaping, retries, dead-letter queues), schedules,
 * archives and replays, an inspectable event log, and persistence of that log and of archives.
 *
 * This class wires the parts together and is the public surface; each responsibility lives in its
 * own module: `rules.ts` (PutEvents, matching, dispatch), `delivery.ts` (retries, DLQs, resuming
 * after a restart), `archives.ts` (archives, replays), `rule-schedules.ts`, `event-log.ts` with
 * `persistence.ts`, and `inspection.ts` (List/Describe, the event log view).
 */
import { createServer, type Server } from 'node:http';
import type { EventBridgeAuthorizer } from '../iam/endpoints';
import { assertLoopbackBind, loopbackOnly } from '../support/loopback';
import { Archives } from './archives';
import { Deliveries } from './delivery';
import { EventLog } from './event-log';
import { Inspection } from './inspection';
import type { BusContext, LocalEventBridgeOptions, PutEventsEntry } from './model';
import { JsonLinesFiles } from './persistence';
import { RuleSchedules } from './rule-schedules';
import { Buses, type CompiledRule, compileRules, Router } from './rules';
import { handleHttp } from './server';
import { BackgroundWork } from './work';

export class LocalEventBridge {
  private readonly context: BusContext;
  private readonly work: BackgroundWork;
  private readonly buses: Buses;
  private readonly rules: CompiledRule[];
  private readonly router: Router;
  private readonly archives: Archives;
  private readonly deliveries: Deliveries;
  private readonly schedules: RuleSchedules;
  private readonly inspection: Inspection;
  private server: Server | undefined;

  /** See `LocalEventBridgeOptions.authorize`; the HTTP face (server.ts) asks it. */
  get authorizer(): EventBridgeAuthorizer | undefined {
    return this.options.authorize;
  }

  constructor(private readonly options: LocalEventBridgeOptions) {
    const context = {
      region: options.region,
      accountId: options.accountId,
      log: options.log ?? (() => {}),
    };
    this.context = context;
    this.work = new BackgroundWork(context.log);
    const files = new JsonLinesFiles(options.dataDir);
    const eventLog = new EventLog(files);
    this.buses = new Buses(context, options.buses);
    this.rules = compileRules(options.rules, this.buses);
    this.deliveries = new Deliveries(
      context,
      {
        invokeTarget: options.invokeTarget,
        sendToDeadLetter: options.sendToDeadLetter,
        retryBaseDelayMs: options.retryBaseDelayMs ?? 1000,
        retryMaxDelayMs: options.retryMaxDelayMs ?? 60_000,
      },
      eventLog,
      this.work,
    );
    this.archives = new Archives(
      context,
      options.archives,
      this.buses,
      files,
      this.work,
      (bus, event, replay) => this.router.dispatch(bus, event, { replay }),
    );
    this.router = new Router(context, this.buses, this.rules, {
      append: (bus, record, ingestionTime) => eventLog.append(bus, record, ingestionTime),
      archive: (bus, event, flat, archivedAt) => this.archives.archive(bus, event, flat, archivedAt),
      deliver: (rule, record, ingestionTime) => this.deliveries.start(rule, record, ingestionTime),
    });
    this.schedules = new RuleSchedules(context, this.rules, eventLog, this.deliveries, this.work);
    this.inspection = new Inspection(options.accountId, this.buses, this.rules, eventLog);

    eventLog.load();
    this.deliveries.findUnfinished(
      (name) => this.rules.find((rule) => rule.definition.name === name)?.definition,
    );
    this.archives.load();
  }

  // ---------- lifecycle ----------

  /** Starts the HTTP endpoint and the schedules; resolves with the endpoint URL. */
  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    assertLoopbackBind(host);
    const server = createServer(
      loopbackOnly((req, res) => {
        handleHttp(this, req, res).catch((error: unknown) => {
          this.context.log(`[eventbridge] internal error: ${(error as Error).stack ?? String(error)}`);
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
    this.schedules.start();
    this.deliveries.resumeUnfinished();
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.context.log(
      `[eventbridge] listening on ${url} (${this.buses.size} buses, ${this.rules.length} rules, ${this.archives.size} archives)`,
    );
    return url;
  }

  /** Stops schedules and pending retries (their deliveries end as `cancelled`) and closes the endpoint. */
  async close(): Promise<void> {
    await this.work.close();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** Resolves once every delivery started so far (including retries and replays) has finished. */
  whenIdle(): Promise<void> {
    return this.work.whenIdle();
  }

  // ---------- API operations (server.ts maps AWSEvents.<Operation> to these) ----------

  putEvents(entries: PutEventsEntry[] | undefined) {
    return this.router.putEvents(entries);
  }

  testEventPattern(eventPattern: string | undefined, event: string | undefined): boolean {
    return this.router.testEventPattern(eventPattern, event);
  }

  listRules(input: Parameters<Inspection['listRules']>[0]) {
    return this.inspection.listRules(input);
  }

  describeRule(input: Parameters<Inspection['describeRule']>[0]) {
    return this.inspection.describeRule(input);
  }

  listEventBuses(input: Parameters<Inspection['listEventBuses']>[0]) {
    return this.inspection.listEventBuses(input);
  }

  listArchives(input: Parameters<Archives['listArchives']>[0]) {
    return this.archives.listArchives(input);
  }

  describeArchive(input: Parameters<Archives['describeArchive']>[0]) {
    return this.archives.describeArchive(input);
  }

  startReplay(input: Parameters<Archives['startReplay']>[0]) {
    return this.archives.startReplay(input);
  }

  describeReplay(input: Parameters<Archives['describeReplay']>[0]) {
    return this.archives.describeReplay(input);
  }

  // ---------- local inspection ----------

  /** Every rule with its targets (`GET /_local/rules`): which function or queue a delivery went to. */
  ruleDefinitions() {
    return this.inspection.ruleDefinitions();
  }

  /** The event log, oldest first, optionally for one bus. */
  eventLog(busName?: string) {
    return this.inspection.eventLog(busName);
  }
}
