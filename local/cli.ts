/**
 * `npm start`: synthesizes the CDK app (or reuses a fresh cdk.out), runs it on the local cloud, seeds a
 * demo partner on the first start, serves the console, writes `<data-dir>/endpoints.json` and prints `ready`.
 *
 *   npm start -- [--fresh] [--port 3000] [--data-dir .local] [--cdk-out cdk.out] [--no-synth] [--no-iam] [--verbose]
 */
import { rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApiReference } from '../scripts/build-api-reference';
import { type LocalCloud, type LocalCloudPorts, startLocalCloud } from './cloud';
import { startConsole } from './console/server';
import { seedDemoPartner } from './demo-partner';
import { clock, writeStderrLine } from './log';
import { formatLogLine, unsupportedSummary } from './log-format';
import { freePort, isPortInUse } from './support/ports';
import { writePrivateFile } from './support/private-files';
import { ensureSynth } from './synth';

const USAGE = `Usage: npm start -- [options]
  --fresh                 start with empty data (deletes the data directory first)
  --port <n>              API port (default: $PORT or 3000; the other services use the next free ports)
  --eventbridge-port <n>  --sqs-port <n>  --dynamodb-port <n>  --scheduler-port <n>  --console-port <n>
  --data-dir <dir>        persistent state (default .local)
  --cdk-out <dir>         cloud assembly to run (default cdk.out; synthesized when stale)
  --no-synth              run the cloud assembly as it is
  --no-iam                do not check the functions' AWS calls against their roles' policies (debugging only;
                          by default a call a role does not allow gets AccessDeniedException, as on AWS)
  --verbose               list every template setting not emulated locally; log metrics and every log key
  --help                  this text

Environment:
  PORT                        API port when --port is not given
  AWS_ENDPOINT_URL_TRANSLATE  a Translate-protocol endpoint for the translator (unset: translations are "skipped")
  WEBHOOKS_ALLOW_LOOPBACK     let subscriptions target 127.0.0.1/localhost (default true locally)
  WEBHOOKS_REQUIRE_HTTPS      refuse http:// subscription URLs (default false locally)
  WEBHOOK_RETRY_SCHEDULE      webhook retry delays in seconds, e.g. 0,1,2 (default: the Standard Webhooks schedule)
  PARTNER_RATE_LIMIT          each partner's share of the API, <rate>/<burst> per function container (default: the template's)
  NO_COLOR / FORCE_COLOR      colours in the log (default: only when stderr is a terminal)
  DIPLOWIRE_LOCAL_DIR         data directory the partners and ops CLIs read endpoints.json from (default .local)`;

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
  'no-iam': { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

function parseCommandLine(): ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'] {
  try {
    return parseArgs({ options: OPTIONS, allowPositionals: false }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    process.exit(EXIT_USAGE);
  }
}

async function main(): Promise<void> {
  const values = parseCommandLine();
  if (values.help) {
    console.log(USAGE);
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
    functionEnv: functionEnvironment(),
    iam: !values['no-iam'],
    log: writeLine,
  });
  const closeFirst: Array<() => Promise<void>> = [];
  installShutdown(cloud, closeFirst);
  reportWarnings(cloud.warnings, values.verbose, log);
  const outputs = stackOutputs(cloud);
  // The demo partner needs the partners table; an app without one (e.g. a test app) starts without it.
  const demo = outputs.partnersTable
    ? await seedDemoPartner({
        dataDir,
        dynamodbEndpoint: cloud.endpoints.dynamodb,
        partnersTable: outputs.partnersTable,
      })
    : undefined;
  // The rendered API reference, built at every start (a copy and two small files) so it follows docs/openapi.json.
  const docsDir = resolve(dataDir, 'docs');
  buildApiReference(docsDir, { servers: [{ url: cloud.endpoints.api, description: 'this local cloud' }] });
  const consoleServer = await startConsole({
    docsDir,
    port: ports.console,
    endpoints: cloud.endpoints,
    invocations: cloud.invocations,
    ...(demo && { apiKey: demo.apiKey, partnerId: demo.partnerId }),
    log: (line) => writeLine(`[console] ${line}`),
  });
  closeFirst.push(() => consoleServer.close());
  const endpoints = {
    ...cloud.endpoints,
    console: consoleServer.url,
    docs: `${consoleServer.url}/docs`,
    ...(demo && { demoApiKey: demo.apiKey, demoPartnerId: demo.partnerId }),
    ...outputs,
    dataDir,
  };
  // It holds the demo API key: 0600, in a 0700 directory.
  writePrivateFile(resolve(dataDir, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    [
      '',
      `Diplowire local cloud`,
      `  API           ${cloud.endpoints.api}`,
      `  Console       ${consoleServer.url}   (items, flows, deliveries, queues)`,
      `  API reference ${consoleServer.url}/docs`,
      `  EventBridge   ${cloud.endpoints.eventbridge}   (events: ${cloud.endpoints.eventbridge}/_local/events)`,
      `  SQS           ${cloud.endpoints.sqs}   (queues: ${cloud.endpoints.sqs}/_local/queues)`,
      `  Scheduler     ${cloud.endpoints.scheduler}   (schedules: ${cloud.endpoints.scheduler}/_local/schedules)`,
      `  DynamoDB      ${cloud.endpoints.dynamodb}`,
      `  Data          ${dataDir}`,
      ...(demo
        ? [
            `  Demo partner  ${demo.partnerId}${demo.created ? ' (created now)' : ''}`,
            `  Demo API key  ${demo.apiKey}`,
            '',
            '  Try it: submit the seed article, then follow it through the pipeline in the console:',
            '',
            `  curl -sS -X POST ${cloud.endpoints.api}/v1/items \\`,
            `    -H "Authorization: Bearer ${demo.apiKey}" \\`,
            `    -H 'Content-Type: application/json' --data-binary @${seedPath()}`,
            `  open ${consoleServer.url}/#/flow?uri=${encodeURIComponent(SEED_URI)}`,
          ]
        : ['  (no PartnersTableName output: no demo partner)']),
      '',
      `ready in ${seconds}s (endpoints: ${resolve(dataDir, 'endpoints.json')})`,
    ].join('\n'),
  );
}

/** Table and bus names come from the stacks' outputs (when the app has them), so they follow infra/. */
function stackOutputs(cloud: LocalCloud): {
  partnersTable?: string;
  webhooksTable?: string;
  itemsTable?: string;
  eventBusName?: string;
} {
  const all = Object.assign({}, ...Object.values(cloud.outputs)) as Record<string, unknown>;
  const named = {
    partnersTable: 'PartnersTableName',
    webhooksTable: 'WebhooksTableName',
    itemsTable: 'ItemsTableName',
    eventBusName: 'EventBusName',
  };
  return Object.fromEntries(
    Object.entries(named).flatMap(([key, output]) =>
      typeof all[output] === 'string' ? [[key, all[output]]] : [],
    ),
  );
}

/**
 * Environment every local function gets on top of its template environment. Translation uses a real
 * Translate-protocol endpoint when one is configured, and records "skipped" otherwise.
 */
function functionEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  const translate = process.env.AWS_ENDPOINT_URL_TRANSLATE;
  env.TRANSLATION_PROVIDER = translate ? 'aws' : 'none';
  if (translate) env.AWS_ENDPOINT_URL_TRANSLATE = translate;
  // Lets developers point webhook subscriptions at receivers on their own machine (http://127.0.0.1:<port>).
  env.WEBHOOKS_ALLOW_LOOPBACK = process.env.WEBHOOKS_ALLOW_LOOPBACK ?? 'true';
  env.WEBHOOKS_REQUIRE_HTTPS = process.env.WEBHOOKS_REQUIRE_HTTPS ?? 'false';
  // Tests compress the retry schedule (e.g. `0,1,2`); unset keeps the Standard Webhooks schedule.
  if (process.env.WEBHOOK_RETRY_SCHEDULE) env.WEBHOOK_RETRY_SCHEDULE = process.env.WEBHOOK_RETRY_SCHEDULE;
  // Tests and the bench lower each partner's share (`<rate>/<burst>`) to provoke 429s.
  if (process.env.PARTNER_RATE_LIMIT) env.PARTNER_RATE_LIMIT = process.env.PARTNER_RATE_LIMIT;
  return env;
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

/** The seed article's `uri` (examples/seed-article.json): the banner's example follows it by uri. */
const SEED_URI = 'urn:newsml:example.org:20261129:kuwait-belgium-call';

function seedPath(): string {
  const path = relative(process.cwd(), resolve(import.meta.dirname, '..', 'examples', 'seed-article.json'));
  return path.startsWith('..') ? resolve(path) : path;
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

main().catch((error: unknown) => {
  process.stderr.write(
    `local cloud failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
