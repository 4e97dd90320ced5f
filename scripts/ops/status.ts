/** `ops status`: is the stage healthy, and if not, where to look. */
import { gatherStatus } from '#shared/adapters/ops/status.ts';
import { type Availability, problemsOf, type StatusReport } from '#shared/domain/ops/status.ts';
import { formatAge, parseDuration, TimeParseError } from '#shared/domain/ops/time.ts';
import { allowOnly, type CommandContext, EXIT, UsageError } from './context';
import { type Paint, renderTable, writeJson } from './output';

const DEFAULT_WINDOW = '1h';

export async function statusCommand(args: string[], ctx: CommandContext): Promise<number> {
  allowOnly(ctx.options, 'status', ['window']);
  if (args.length > 0) throw new UsageError('status takes no arguments.');
  let windowMs: number;
  try {
    windowMs = parseDuration(ctx.options.window ?? DEFAULT_WINDOW);
  } catch (error) {
    if (error instanceof TimeParseError) throw new UsageError(`--window: ${error.message}`);
    throw error;
  }
  const env = await ctx.connect();
  try {
    const report = await gatherStatus(env, ctx.io.now(), windowMs);
    const problems = problemsOf(report);
    if (ctx.json) writeJson(ctx.io.stdout, { ...report, healthy: problems.length === 0, problems });
    else ctx.io.stdout.write(renderStatus(report, problems, ctx.paint));
    return problems.length === 0 ? EXIT.ok : EXIT.unhealthy;
  } finally {
    env.destroy();
  }
}

function unavailable(paint: Paint, reason: string): string {
  return paint('dim', `unavailable: ${reason}`);
}

function age(value: Availability<number | null>, paint: Paint): string {
  if (!value.available) return paint('dim', 'n/a');
  return value.value === null ? '-' : formatAge(value.value);
}

export function renderStatus(report: StatusReport, problems: string[], paint: Paint): string {
  const out: string[] = [];
  const where = report.mode === 'local' ? 'the local cloud' : 'AWS';
  out.push(`${paint('bold', `Diplowire ${report.stage}`)} on ${where}, ${report.at}`);
  out.push(
    problems.length === 0
      ? paint('green', 'Healthy: no alarm, every dead-letter queue empty, nothing overdue.')
      : paint('red', `Unhealthy:\n${problems.map((p) => `  - ${p}`).join('\n')}`),
  );

  out.push('', paint('bold', 'Alarms in ALARM'));
  if (!report.alarms.available) out.push(`  ${unavailable(paint, report.alarms.reason)}`);
  else if (report.alarms.value.length === 0) out.push('  none');
  else
    out.push(
      indent(
        renderTable(
          [{ header: 'ALARM' }, { header: 'SINCE' }, { header: 'REASON' }],
          report.alarms.value.map((a) => [paint('red', a.name), a.since ?? '', a.reason]),
        ),
      ),
    );

  out.push('', paint('bold', 'Dead-letter queues'));
  out.push(
    indent(
      renderTable(
        [
          { header: 'QUEUE' },
          { header: 'MESSAGES', align: 'right' },
          { header: 'IN FLIGHT', align: 'right' },
          { header: 'OLDEST', align: 'right' },
        ],
        report.deadLetterQueues.map((q) => [
          q.visible + q.inFlight > 0 ? paint('red', q.name) : q.name,
          String(q.visible),
          String(q.inFlight),
          age(q.oldestAgeMs, paint),
        ]),
      ),
    ),
  );

  out.push('', paint('bold', 'Outbox'));
  const lag = report.outboxIteratorAgeMs;
  out.push(
    `  iterator age: ${
      lag.available
        ? lag.value === null
          ? 'no data in the last 5 minutes'
          : formatAge(lag.value)
        : unavailable(paint, lag.reason)
    }`,
  );

  out.push('', paint('bold', 'Held items (embargo)'));
  const { held } = report;
  out.push(
    `  ${held.count}${held.truncated ? '+' : ''} held${held.overdue > 0 ? paint('red', `, ${held.overdue} overdue`) : ''}` +
      (held.next ? `; next release ${held.next.releaseAt} (${held.next.itemId} v${held.next.version})` : ''),
  );

  out.push('', paint('bold', 'Disabled subscriptions'));
  if (report.disabledSubscriptions.length === 0) out.push('  none');
  else
    out.push(
      indent(
        renderTable(
          [
            { header: 'SUBSCRIPTION' },
            { header: 'PARTNER' },
            { header: 'DISABLED' },
            { header: 'REASON' },
            { header: 'URL' },
          ],
          report.disabledSubscriptions.map((s) => [
            paint('yellow', s.subscriptionId),
            s.partnerId,
            s.disabledAt ?? '',
            s.disabledReason ?? '',
            s.url,
          ]),
        ),
      ),
    );

  const rates = report.deliveryFailures;
  out.push(
    '',
    paint('bold', `Webhook delivery failures (attempts since ${rates.since}, ${formatAge(rates.windowMs)})`),
  );
  if (rates.subscriptions.length === 0) out.push('  no attempts');
  else
    out.push(
      indent(
        renderTable(
          [
            { header: 'SUBSCRIPTION' },
            { header: 'STATUS' },
            { header: 'ATTEMPTS', align: 'right' },
            { header: 'FAILED', align: 'right' },
            { header: 'RATE', align: 'right' },
          ],
          rates.subscriptions.map((r) => {
            const percent = `${(r.rate * 100).toFixed(1)}%`;
            return [
              r.subscriptionId,
              r.status,
              String(r.attempts),
              String(r.failed),
              r.rate >= 0.5 ? paint('red', percent) : percent,
            ];
          }),
        ),
      ),
    );

  out.push(
    '',
    `Dashboard: ${report.dashboardUrl.available ? report.dashboardUrl.value : unavailable(paint, report.dashboardUrl.reason)}`,
  );
  return `${out.join('\n')}\n`;
}

function indent(table: string): string {
  return table
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
