/** `ops dlq list | show <queue> | redrive <queue>`: the stage's dead-letter queues. */
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import type { OpsEnvironment } from '#shared/adapters/ops/environment.ts';
import {
  latestMoveTask,
  type MoveTask,
  peekMessages,
  queueFacts,
  startRedrive,
} from '#shared/adapters/ops/queues.ts';
import { queueNameOf } from '#shared/adapters/ops/stage.ts';
import { deadLetterQueues } from '#shared/adapters/ops/status.ts';
import { FINAL_MOVE_STATES, moveFraction } from '#shared/domain/ops/progress.ts';
import { formatAge } from '#shared/domain/ops/time.ts';
import {
  allowOnly,
  type CommandContext,
  EXIT,
  follow,
  OperationalError,
  pollInterval,
  UsageError,
} from './context';
import { ProgressBar, renderTable, writeJson } from './output';

const DEFAULT_PEEK = 10;
const MAX_PEEK = 100;

export async function dlqCommand(args: string[], ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    allowOnly(ctx.options, 'dlq list', []);
    if (rest.length > 0) throw new UsageError('dlq list takes no arguments.');
    return withEnv(ctx, (env) => list(env, ctx));
  }
  if (sub === 'show' || sub === 'redrive') {
    allowOnly(ctx.options, `dlq ${sub}`, sub === 'show' ? ['max'] : ['destination', 'rate']);
    if (rest.length !== 1) throw new UsageError(`dlq ${sub} takes exactly one queue (see dlq list).`);
    const max = sub === 'show' ? boundedInteger(ctx.options.max, '--max', DEFAULT_PEEK, MAX_PEEK) : 0;
    const rate =
      sub === 'redrive' && ctx.options.rate !== undefined
        ? boundedInteger(ctx.options.rate, '--rate', 0, 500)
        : undefined;
    return withEnv(ctx, (env) => {
      const url = resolveQueue(env, rest[0] ?? '');
      return sub === 'show' ? show(env, ctx, url, max) : redrive(env, ctx, url, rate);
    });
  }
  throw new UsageError(
    sub === undefined ? 'dlq needs a subcommand: list, show or redrive.' : `Unknown dlq subcommand "${sub}".`,
  );
}

async function withEnv(ctx: CommandContext, run: (env: OpsEnvironment) => Promise<number>): Promise<number> {
  const env = await ctx.connect();
  try {
    return await run(env);
  } finally {
    env.destroy();
  }
}

function boundedInteger(raw: string | undefined, flag: string, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^[1-9][0-9]*$/.test(raw) || Number(raw) > max)
    throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got "${raw}".`);
  return Number(raw);
}

/** A DLQ by its name, its name without `diplowire-<stage>-` (and `-dlq`), or its URL. */
export function resolveQueue(env: OpsEnvironment, given: string): string {
  const { deadLetterQueueUrls, alarmNamePrefix: prefix } = env.resources;
  const wanted = [given, `${prefix}${given}`, `${prefix}${given}-dlq`];
  const url = deadLetterQueueUrls.find((u) => u === given || wanted.includes(queueNameOf(u)));
  if (url !== undefined) return url;
  const known = deadLetterQueueUrls.map((u) => queueNameOf(u).slice(prefix.length)).join(', ');
  throw new OperationalError(
    `"${given}" is not a dead-letter queue of stage ${env.resources.stage} (${known}).`,
  );
}

async function list(env: OpsEnvironment, ctx: CommandContext): Promise<number> {
  const queues = await deadLetterQueues(env);
  if (ctx.json) {
    writeJson(ctx.io.stdout, { stage: env.resources.stage, mode: env.mode, deadLetterQueues: queues });
    return EXIT.ok;
  }
  const { paint } = ctx;
  ctx.io.stdout.write(
    renderTable(
      [
        { header: 'QUEUE' },
        { header: 'MESSAGES', align: 'right' },
        { header: 'IN FLIGHT', align: 'right' },
        { header: 'OLDEST', align: 'right' },
        { header: 'REDRIVES TO' },
      ],
      queues.map((q) => [
        q.visible + q.inFlight > 0 ? paint('red', q.name) : q.name,
        String(q.visible),
        String(q.inFlight),
        q.oldestAgeMs.available
          ? q.oldestAgeMs.value === null
            ? '-'
            : formatAge(q.oldestAgeMs.value)
          : paint('dim', 'n/a'),
        q.sources.length > 0
          ? q.sources.join(', ')
          : paint('dim', '(no source queue: see docs/operations.md)'),
      ]),
    ),
  );
  return EXIT.ok;
}

async function show(env: OpsEnvironment, ctx: CommandContext, url: string, max: number): Promise<number> {
  const messages = await peekMessages(env.sqs, url, max);
  const queue = queueNameOf(url);
  if (ctx.json) {
    writeJson(ctx.io.stdout, { queue, url, messages });
    return EXIT.ok;
  }
  const { paint } = ctx;
  if (messages.length === 0) {
    ctx.io.stdout.write(`${queue} is empty.\n`);
    return EXIT.ok;
  }
  const out: string[] = [`${paint('bold', queue)}: ${messages.length} message(s), left in the queue\n`];
  for (const m of messages) {
    out.push(
      `${paint('bold', m.messageId)}  sent ${m.sentAt ?? '?'}  received ${m.receiveCount ?? '?'} time(s)`,
      ...Object.entries(m.messageAttributes).map(([k, v]) => `  ${paint('dim', k)}: ${v}`),
      indentBody(m.body),
      '',
    );
  }
  ctx.io.stdout.write(`${out.join('\n')}`);
  return EXIT.ok;
}

function indentBody(body: string): string {
  let text = body;
  try {
    text = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    // Not JSON: shown as it is.
  }
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

async function redrive(
  env: OpsEnvironment,
  ctx: CommandContext,
  url: string,
  rate: number | undefined,
): Promise<number> {
  const facts = await queueFacts(env.sqs, url);
  let destinationArn: string | undefined;
  if (ctx.options.destination !== undefined) {
    const destination = await queueFacts(env.sqs, await destinationUrl(env, ctx.options.destination));
    destinationArn = destination.arn;
  } else if (facts.sources.length === 0) {
    throw new OperationalError(
      `${facts.name} is not the dead-letter queue of another SQS queue: its messages are events or failure records ` +
        'of a Lambda function or EventBridge rule. Replay the archive to the rule instead (ops replay --rule ...), ' +
        'or give --destination <queue>. See docs/operations.md.',
    );
  }
  const target = ctx.options.destination ?? facts.sources.join(', ');
  if (facts.visible === 0 && facts.inFlight === 0) {
    if (ctx.json)
      writeJson(ctx.io.stdout, {
        queue: facts.name,
        status: 'NOTHING_TO_MOVE',
        moved: 0,
        toMove: 0,
        destination: target,
      });
    else ctx.io.stdout.write(`${facts.name} is empty: nothing to redrive.\n`);
    return EXIT.ok;
  }
  await startRedrive(env.sqs, facts.arn, {
    ...(destinationArn && { destinationArn }),
    ...(rate !== undefined && { maxPerSecond: rate }),
  });
  const bar = new ProgressBar(ctx.io.stderr, `redrive ${facts.name} -> ${target}`, ctx.progress);
  let task: MoveTask;
  try {
    task = await follow(
      async () => {
        const latest = await latestMoveTask(env.sqs, facts.arn);
        if (latest === undefined) throw new OperationalError(`The move task of ${facts.name} vanished.`);
        bar.update(moveFraction(latest), `${latest.moved}/${latest.toMove ?? '?'}`);
        return { done: FINAL_MOVE_STATES.includes(latest.status), value: latest };
      },
      pollInterval(env),
      {
        ...(ctx.interrupt && { signal: ctx.interrupt }),
        goesOn: `the move task of ${facts.name} goes on; see it with: npm run ops -- dlq list`,
      },
    );
  } finally {
    bar.finish();
  }
  const ok = task.status === 'COMPLETED';
  if (ctx.json) writeJson(ctx.io.stdout, { queue: facts.name, destination: target, ...task });
  else
    ctx.io.stdout.write(
      ok
        ? `${ctx.paint('green', 'Redriven')}: ${task.moved} message(s) moved from ${facts.name} to ${target}.\n`
        : `${ctx.paint('red', `Redrive ${task.status}`)}: ${task.moved} of ${task.toMove ?? '?'} moved. ${task.failureReason ?? ''}\n`,
    );
  return ok ? EXIT.ok : EXIT.failure;
}

/** --destination: a queue URL, or a queue name looked up in the same account and region. */
async function destinationUrl(env: OpsEnvironment, given: string): Promise<string> {
  if (/^https?:\/\//.test(given)) return given;
  try {
    const { QueueUrl } = await env.sqs.send(new GetQueueUrlCommand({ QueueName: given }));
    if (QueueUrl) return QueueUrl;
  } catch (error) {
    if (
      (error as Error).name !== 'QueueDoesNotExist' &&
      (error as Error).name !== 'AWS.SimpleQueueService.NonExistentQueue'
    )
      throw error;
  }
  throw new OperationalError(`No queue named "${given}" for --destination.`);
}
