/**
 * The local cloud's command line: synthesizes the CDK app (or reuses a fresh cdk.out), runs it, serves
 * the console, writes `<data-dir>/endpoints.json` and prints `ready`. An application adds what is its
 * own (seed data, extra endpoints, banner lines, its functions' local environment) through `LocalApp`;
 * `local/cli.ts` runs any CDK app without additions, `scripts/start-local.ts` is Diplowire's `npm start`.
 *
 *   [--fresh] [--port 3000] [--data-dir .local] [--cdk-out cdk.out] [--no-synth] [--no-iam] [--verbose]
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type LocalCloud, type LocalCloudPorts, startLocalCloud } from './cloud';
import { startConsole } from './console/server';
import { clock, writeStderrLine } from './log';
import { formatLogLine, unsupportedSummary } from './log-format';
import { freePort, isPortInUse } from './support/ports';
import { writePrivateFile } from './support/private-files';
import { ensureSynth } from './synth';

/** What an application adds to the local cloud's command line. */
export interface LocalApp {
  /** The banner's first line, e.g. "Diplowire local cloud". */
  title: string;
  /** How users invoke it, for the usage line, e.g. "npm start --". */
  command: string;
  /** Help lines for the environment variables the application reads (`NAME  what it does`). */
  environmentHelp?: string[];
  /** Environment every local function gets on top of its template environment. */
  functionEnv?: () => Record<string, string>;
  /** Runs once the cloud is up, before the console starts: seed data, extra endpoints, banner lines. */
  afterStart?: (context: AfterStartContext) => Promise<AppAdditions>;
}

export interface AfterStartContext {
  cloud: LocalCloud;
  dataDir: string;
  /** Every stack output, resolved to local values. */
  outputs: Record<string, unknown>;
  log: (line: string) => void;
}

export interface AppAdditions {
  /** Extra keys for endpoints.json (it is written 0600: it may hold a demo key). */
  endpoints?: Record<string, unknown>;
  /** Extra banner lines; `{console}` is replaced by the console URL. */
  banner?: string[];
  /** A static folder the console serves at /docs (e.g. a rendered API reference). */
  docsDir?: string;
  /** An API key the console uses for its API calls (local demo only). */
  consoleApiKey?: { apiKey: string; partnerId: string };
}

const usage = (app: LocalApp) => `Usage: ${app.command} [options]
  --fresh                 start with empty data (deletes the data directory first)
  --port <n>              API port (default: $PORT or 3000; the other services use the next free ports)
  --eventbridge-port <n>  --sqs-port <n>  --dynamodb-port <n>  --scheduler-port <n>  --console-port <n>
  --data-dir <dir>        persistent state (default .local)
  --cdk-out <dir>         cloud assembly to run (default cdk.out; synthesized when stale)
  --no-synth              run the cloud assembly as it is
  --dynamodb-in-memory    DynamoDB Local keeps its tables in memory: faster writes, nothing kept after a stop
                          (benchmarks, throwaway clouds; default: $DIPLOWIRE_DYNAMODB_IN_MEMORY=1, else off)
  --no-iam                do not check the functions' AWS calls against their roles' policies (debugging only;
                          by default a call a role does not allow gets AccessDeniedException, as on AWS)
  --verbose               list every template setting not emulated locally; log metrics and every log key
  --help                  this text

Environment:
  PORT                        API port when --port is not given
  NO_COLOR / FORCE_COLOR      colours in the log (default: only when stderr is a terminal)
${(app.environmentHelp ?? []).map((line) => `  ${line}`).join('\n')}`;

/** Exit code of a command line that cannot be parsed (as most CLIs use). */
const EXIT_USAGE = 2;

const OPTIONS = {
  fresh: { type: 'boolean', default: false },
  port: { type: 'string' },
  'eventbridge-port': { type: 'string' },
  'sqs-port': { type: 'string' },
  'dynamodb-port': { type: 'string' },
  'scheduler-port': { type: 'string' },
  'console-port': { type: 'string' },
  'data-dir': { type: 'string', default: '.local' },
  'cdk-out': { type: 'string', default: 'cdk.out' },
  'no-synth': { type: 'boolean', default: false },
  'dynamodb-in-memory': { type: 'boolean', default: process.env.DIPLOWIRE_DYNAMODB_IN_MEMORY === '1' },
  'no-iam': { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

function parseCommandLine(
  app: LocalApp,
): ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'] {
  try {
    return parseArgs({ options: OPTIONS, allowPositionals: false }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage(app)}\n`);
    process.exit(EXIT_USAGE);
  }
}

/** Runs the local cloud from the command line until SIGINT/SIGTERM; exits 1 when it cannot start. */
export function runLocalCli(app: LocalApp): void {
  main(app).catch((error: unknown) => {
    process.stderr.write(
      `local cloud failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}

async function main(app: LocalApp): Promise<void> {
  const values = parseCommandLine(app);
  if (values.help) {
    console.log(usage(app));
    return;
  }
  const color = useColor();
  const format = { color, verbose: values.verbose };
  const writeLine = (line: string) => {
    const formatted = formatLogLine(line, format);
    if (formatted !== undefined) writeStderrLine(`${clock()} ${formatted}`);
  };
  const log = (line: string) => writeLine(`[local] ${line}`);
  const started = performance.now();
  const dataDir = resolve(values['data-dir']);
  const cdkOut = resolve(values['cdk-out']);
  if (values.fresh) rmSync(dataDir, { recursive: true, force: true });
  // A stale endpoints file would point the partners CLI at a cloud that is not up yet.
  rmSync(resolve(dataDir, 'endpoints.json'), { force: true });

  if (!values['no-synth']) ensureSynth(cdkOut, (line) => log(line));
  const ports = await choosePorts(values);
  const cloud = await startLocalCloud({
    cdkOut,
    dataDir,
    ports,
    functionEnv: app.functionEnv?.() ?? {},
    iam: !values['no-iam'],
    dynamoDbInMemory: values['dynamodb-in-memory'],
    log: writeLine,
  });
  const closeFirst: Array<() => Promise<void>> = [];
  installShutdown(cloud, closeFirst);
  reportWarnings(cloud.warnings, values.verbose, log);
  const outputs = Object.assign({}, ...Object.values(cloud.outputs)) as Record<string, unknown>;
  const additions = (await app.afterStart?.({ cloud, dataDir, outputs, log })) ?? {};
  const consoleServer = await startConsole({
    ...(additions.docsDir && { docsDir: additions.docsDir }),
    port: ports.console,
    endpoints: cloud.endpoints,
    invocations: cloud.invocations,
    ...(additions.consoleApiKey && additions.consoleApiKey),
    log: (line) => writeLine(`[console] ${line}`),
  });
  closeFirst.push(() => consoleServer.close());
  const endpoints = {
    ...cloud.endpoints,
    console: consoleServer.url,
    ...(additions.docsDir && { docs: `${consoleServer.url}/docs` }),
    ...additions.endpoints,
    dataDir,
  };
  // It holds the demo API key: 0600, in a 0700 directory.
  writePrivateFile(resolve(dataDir, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    [
      '',
      app.title,
      `  API           ${cloud.endpoints.api}`,
      `  Console       ${consoleServer.url}   (items, flows, deliveries, queues)`,
      ...(additions.docsDir ? [`  API reference ${consoleServer.url}/docs`] : []),
      `  EventBridge   ${cloud.endpoints.eventbridge}   (events: ${cloud.endpoints.eventbridge}/_local/events)`,
      `  SQS           ${cloud.endpoints.sqs}   (queues: ${cloud.endpoints.sqs}/_local/queues)`,
      `  Scheduler     ${cloud.endpoints.scheduler}   (schedules: ${cloud.endpoints.scheduler}/_local/schedules)`,
      `  DynamoDB      ${cloud.endpoints.dynamodb}`,
      `  Data          ${dataDir}`,
      ...(additions.banner ?? []).map((line) => line.replaceAll('{console}', consoleServer.url)),
      '',
      `ready in ${seconds}s (endpoints: ${resolve(dataDir, 'endpoints.json')})`,
    ].join('\n'),
  );
}

async function choosePorts(values: Record<string, unknown>): Promise<LocalCloudPorts & { console: number }> {
  const explicit = (name: string): number | undefined => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new Error(`--${name} must be a port number`);
    return port === 0 ? undefined : port;
  };
  const taken = new Set<number>();
  const pick = async (wanted: number | undefined, near: number): Promise<number> => {
    if (wanted !== undefined) {
      if (await isPortInUse(wanted)) throw new Error(`port ${wanted} is already in use`);
      taken.add(wanted);
      return wanted;
    }
    // Next free port above `near`; falls back to any free port if that range is crowded.
    for (let port = near; port < near + 100 && port <= 65535; port++) {
      if (!taken.has(port) && !(await isPortInUse(port))) {
        taken.add(port);
        return port;
      }
    }
    const port = await freePort();
    taken.add(port);
    return port;
  };
  const envPort = process.env.PORT ? Number(process.env.PORT) : undefined;
  const requestedApi = explicit('port') ?? envPort;
  const api = await pick(requestedApi, 3000);
  return {
    api,
    eventbridge: await pick(explicit('eventbridge-port'), api + 1),
    sqs: await pick(explicit('sqs-port'), api + 1),
    dynamodb: await pick(explicit('dynamodb-port'), api + 1),
    scheduler: await pick(explicit('scheduler-port'), api + 1),
    console: await pick(explicit('console-port'), api + 1),
  };
}

/** Template settings the emulators ignore: one summary line; the list with --verbose. */
function reportWarnings(warnings: readonly string[], verbose: boolean, log: (line: string) => void): void {
  const template = warnings.filter((w) => / is ignored locally$| is not supported locally;/.test(w));
  const others = warnings.filter((w) => !template.includes(w));
  if (verbose) for (const warning of template) log(`warning: ${warning}`);
  else {
    const summary = unsupportedSummary(template);
    if (summary) log(summary);
  }
  for (const warning of others) log(`note: ${warning}`);
}

/** Colours only on a terminal; NO_COLOR (https://no-color.org) and FORCE_COLOR win. */
function useColor(): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR !== undefined) return process.env.FORCE_COLOR !== '0';
  return process.stderr.isTTY === true;
}

/** Ctrl-C/SIGTERM stop what `closeFirst` holds (the console), then the cloud. */
function installShutdown(cloud: LocalCloud, closeFirst: Array<() => Promise<void>>): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    writeStderrLine(`${clock()} [local] ${signal}: stopping`);
    Promise.allSettled(closeFirst.map((close) => close()))
      .then(() => cloud.stop())
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
