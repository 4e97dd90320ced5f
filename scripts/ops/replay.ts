/** `ops replay --from <time> [--to <time>] [--rule <name>]...`: the bus archive replayed to its rules. */
import { randomBytes } from 'node:crypto';
import {
  archiveOf,
  describeReplay,
  type ReplayProgress,
  ruleArnOf,
  startReplay,
} from '#shared/adapters/ops/replay.ts';
import { FINAL_REPLAY_STATES, replayFraction, replayName } from '#shared/domain/ops/progress.ts';
import { parseWindow, TimeParseError } from '#shared/domain/ops/time.ts';
import { allowOnly, type CommandContext, EXIT, follow, pollInterval, UsageError } from './context';
import { ProgressBar, writeJson } from './output';

export async function replayCommand(args: string[], ctx: CommandContext): Promise<number> {
  allowOnly(ctx.options, 'replay', ['from', 'to', 'rule']);
  if (args.length > 0)
    throw new UsageError('replay takes no arguments; give the window with --from and --to.');
  if (ctx.options.from === undefined) throw new UsageError('replay needs --from <time>.');
  let window: { from: Date; to: Date };
  try {
    window = parseWindow(ctx.options.from, ctx.options.to, ctx.io.now());
  } catch (error) {
    if (error instanceof TimeParseError) throw new UsageError(error.message);
    throw error;
  }
  const env = await ctx.connect();
  try {
    const { resources } = env;
    const { archiveArn, busArn } = await archiveOf(env.eventbridge, resources.archiveName);
    const rules = ctx.options.rule ?? [];
    const ruleArns = [];
    for (const rule of rules)
      ruleArns.push(
        await ruleArnOf(env.eventbridge, resources.eventBusName, rule, resources.alarmNamePrefix),
      );
    const name = replayName(window.from, window.to, randomBytes(4).toString('hex'));
    await startReplay(env.eventbridge, { name, archiveArn, busArn, ...window, ruleArns });
    const target =
      ruleArns.length > 0 ? ruleArns.map((arn) => arn.split('/').pop()).join(', ') : 'every rule on the bus';
    if (!ctx.json)
      ctx.io.stderr.write(
        `Replay ${name}: ${window.from.toISOString()} .. ${window.to.toISOString()} from ${resources.archiveName} to ${target}\n`,
      );
    const bar = new ProgressBar(ctx.io.stderr, 'replay', ctx.progress);
    let final: ReplayProgress;
    try {
      final = await follow(
        async () => {
          const progress = await describeReplay(env.eventbridge, name);
          const last = progress.eventLastReplayedTime;
          bar.update(
            replayFraction(progress),
            `${progress.state}${last ? ` at ${new Date(last).toISOString()}` : ''}`,
          );
          return { done: FINAL_REPLAY_STATES.includes(progress.state), value: progress };
        },
        pollInterval(env),
        {
          ...(ctx.interrupt && { signal: ctx.interrupt }),
          goesOn: `replay ${name} goes on; see it with: aws events describe-replay --replay-name ${name}`,
        },
      );
    } finally {
      bar.finish();
    }
    const ok = final.state === 'COMPLETED';
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    if (ctx.json)
      writeJson(ctx.io.stdout, {
        replayName: name,
        state: final.state,
        ...(final.reason && { reason: final.reason }),
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        archive: resources.archiveName,
        rules: ruleArns,
        startedAt: iso(final.replayStartTime),
        endedAt: iso(final.replayEndTime),
        lastReplayedEventTime: iso(final.eventLastReplayedTime),
      });
    else {
      const took =
        final.replayStartTime !== undefined && final.replayEndTime !== undefined
          ? ` in ${((final.replayEndTime - final.replayStartTime) / 1000).toFixed(1)} s`
          : '';
      ctx.io.stdout.write(
        ok
          ? `${ctx.paint('green', 'Replay completed')}${took}: ${name} (events may still be on their way to the targets).\n`
          : `${ctx.paint('red', `Replay ${final.state}`)}: ${name}${final.reason ? `: ${final.reason}` : ''}\n`,
      );
    }
    return ok ? EXIT.ok : EXIT.failure;
  } finally {
    env.destroy();
  }
}
