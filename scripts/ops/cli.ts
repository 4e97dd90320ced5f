/**
 * The operator CLI: `npm run ops -- <command>` (docs/operations.md, "Operator CLI"). A deployed stage
 * through the standard AWS credential chain and its stack outputs, or the local cloud with --local.
 */
import { parseArgs } from 'node:util';
import { ReplayTargetError } from '#shared/adapters/ops/replay.ts';
import { MissingResourceError } from '#shared/adapters/ops/stage.ts';
import { TimeParseError } from '#shared/domain/ops/time.ts';
import {
  commandContext,
  EXIT,
  Interrupted,
  type Io,
  OPTION_SPEC,
  OperationalError,
  type Options,
  UsageError,
} from './context';
import { dlqCommand } from './dlq';
import { replayCommand } from './replay';
import { statusCommand } from './status';
import { subscriptionsCommand } from './subscriptions';

const USAGE = `Usage:
  npm run ops -- status [--window 1h]
  npm run ops -- dlq list
  npm run ops -- dlq show <queue> [--max 10]
  npm run ops -- dlq redrive <queue> [--destination <queue>] [--rate <1-500 per second>]
  npm run ops -- replay --from <time> [--to <time>] [--rule <name>]...
  npm run ops -- subscriptions enable <sub_...> [--redeliver-since <time>]
  (each with [--local | --stage <name>] [--json])
`;

export const HELP = `Operate a Diplowire stage: health, dead-letter queues, archive replays, webhook recovery.

${USAGE}
Commands:
  status      Alarms in ALARM, dead-letter queue depths and oldest ages, the outbox iterator age,
              held (embargoed) items, disabled subscriptions, webhook failure rates over --window,
              and the CloudWatch dashboard. Exit 3 when the stage needs an operator.
  dlq list    Every dead-letter queue of the stage, its depth, oldest message and source queue.
  dlq show    Peek at up to --max messages (at most 100) without consuming them: each is made
              visible again at once (it counts as a receive).
  dlq redrive Move the messages back to the queue they came from (SQS message move task), or to
              --destination, with progress until done. Exit 1 if the task fails.
  replay      Replay the bus archive's events of [--from, --to) to --rule (repeatable; a name with or
              without the diplowire-<stage>- prefix) or to every rule, following it to the end.
              Exit 1 if the replay fails or is cancelled.
  subscriptions enable
              Re-enable a disabled webhook subscription; with --redeliver-since, also redeliver
              every delivery created since then that failed (a new attempt, same webhook-id).

Times: ISO 8601 with a zone (2026-12-05T06:00:00Z), a date (2026-12-05, UTC), now, or a
duration ago (90s, 15m, 2h, 3d, 1w). --to defaults to now.
Queues: a name as dlq list shows it, with or without diplowire-<stage>- and -dlq, or a URL.

Options:
  --local         The local cloud started by \`npm start\` (.local/endpoints.json, or
                  DIPLOWIRE_LOCAL_DIR/endpoints.json)
  --stage <name>  The deployed stage (default: env DIPLOWIRE_STAGE, else dev); its stacks are
                  Diplowire-<stage>-Data, -Subscribers and -Api
  --json          One JSON document on stdout, for scripts (no colours, no progress bar)
  -h, --help      Show this help

Connection: the standard AWS credential chain and region (AWS_PROFILE, AWS_REGION, SSO, roles...);
resources come from the stacks' outputs (CloudFormation DescribeStacks). Colours only on a terminal,
never with NO_COLOR; progress bars on stderr, only on a terminal. Ctrl-C stops following a replay or
redrive (it goes on in AWS).

Environment:
  DIPLOWIRE_STAGE      the stage when --stage is not given (default dev)
  DIPLOWIRE_LOCAL_DIR  the local cloud's data directory for --local (default .local)
  NO_COLOR             set to anything: no colours; FORCE_COLOR=1: colours even when piped
  AWS_PROFILE, AWS_REGION, AWS_*   the AWS SDK's own settings

Exit codes: 0 ok (status: healthy), 1 operational failure, 2 usage error, 3 status: unhealthy,
130 stopped following a replay or redrive with Ctrl-C (the work goes on).
`;

const COMMANDS: Record<string, (args: string[], ctx: ReturnType<typeof commandContext>) => Promise<number>> =
  {
    status: statusCommand,
    dlq: dlqCommand,
    replay: replayCommand,
    subscriptions: subscriptionsCommand,
  };

export async function main(argv: string[], io: Io): Promise<number> {
  try {
    let parsed: { values: Options; positionals: string[] };
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        strict: true,
        options: OPTION_SPEC,
      }) as typeof parsed;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const [command, ...args] = parsed.positionals;
    if (parsed.values.help || command === 'help') {
      io.stdout.write(HELP);
      return EXIT.ok;
    }
    if (command === undefined) throw new UsageError('No command given.');
    const run = COMMANDS[command];
    if (run === undefined) throw new UsageError(`Unknown command "${command}".`);
    return await run(args, commandContext(parsed.values, io));
  } catch (error) {
    if (error instanceof Interrupted) {
      io.stderr.write(`ops: stopped following: ${error.message}\n`);
      return EXIT.interrupted;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`ops: ${error.message}\n\n${USAGE}Run with --help for the details.\n`);
      return EXIT.usage;
    }
    io.stderr.write(`ops: ${describe(error)}\n`);
    return EXIT.failure;
  }
}

/** An error for the operator: what failed, never a stack trace. */
function describe(error: unknown): string {
  if (
    error instanceof OperationalError ||
    error instanceof MissingResourceError ||
    error instanceof ReplayTargetError ||
    error instanceof TimeParseError
  )
    return error.message;
  if (error instanceof Error) {
    if (error.name === 'CredentialsProviderError' || /Could not load credentials/.test(error.message))
      return `no AWS credentials (${error.message}). Configure them (aws configure, AWS_PROFILE, SSO), or use --local.`;
    if (error.name === 'AccessDeniedException' || error.name === 'AccessDenied')
      return `access denied: ${error.message} (docs/operations.md lists the permissions ops needs)`;
    return `${error.name}: ${error.message}`;
  }
  return String(error);
}

// Ctrl-C stops following a replay or redrive (they go on in AWS); a second one kills at once.
const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());
main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  now: () => new Date(),
  interrupt: interrupt.signal,
}).then((code) => {
  process.exitCode = code;
});
