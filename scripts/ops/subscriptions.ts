/** `ops subscriptions enable <id> [--redeliver-since <time>]`: recover a disabled webhook subscription. */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDeliveryStore } from '#shared/adapters/dynamodb/delivery-store.ts';
import { DynamoPartnerStatus } from '#shared/adapters/dynamodb/partner-status.ts';
import { DynamoSubscriptionStore } from '#shared/adapters/dynamodb/subscription-store.ts';
import { SqsDeliveryQueue } from '#shared/adapters/webhooks/delivery-queue.ts';
import { ConflictError, NotFoundError } from '#shared/domain/errors.ts';
import { isId } from '#shared/domain/ids.ts';
import { parseTime, TimeParseError } from '#shared/domain/ops/time.ts';
import { recoverSubscription } from '#shared/domain/webhooks/recovery.ts';
import { allowOnly, type CommandContext, EXIT, OperationalError, UsageError } from './context';
import { renderTable, writeJson } from './output';

export async function subscriptionsCommand(args: string[], ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'enable')
    throw new UsageError(
      sub === undefined
        ? 'subscriptions needs a subcommand: enable.'
        : `Unknown subscriptions subcommand "${sub}".`,
    );
  allowOnly(ctx.options, 'subscriptions enable', ['redeliver-since']);
  const [subscriptionId] = rest;
  if (rest.length !== 1 || subscriptionId === undefined)
    throw new UsageError('subscriptions enable takes exactly one subscription id.');
  if (!isId(subscriptionId, 'sub'))
    throw new UsageError(`Expected a subscription id (sub_...), got "${subscriptionId}".`);
  const now = ctx.io.now();
  let redeliverSince: Date | undefined;
  const since = ctx.options['redeliver-since'];
  if (since !== undefined) {
    try {
      redeliverSince = parseTime(since, now);
    } catch (error) {
      if (error instanceof TimeParseError) throw new UsageError(`--redeliver-since: ${error.message}`);
      throw error;
    }
    if (redeliverSince.getTime() > now.getTime())
      throw new UsageError('--redeliver-since cannot be in the future.');
  }

  const env = await ctx.connect();
  try {
    const { dynamodb, resources } = env;
    const result = await recoverSubscription(
      {
        subscriptions: new DynamoSubscriptionStore(dynamodb, resources.webhooksTable),
        deliveries: new DynamoDeliveryStore(dynamodb, resources.webhooksTable),
        queue: new SqsDeliveryQueue({ client: env.sqs, SendMessageCommand }, resources.deliveryQueueUrl),
        partners: new DynamoPartnerStatus(dynamodb, resources.partnersTable),
      },
      subscriptionId,
      { now, ...(redeliverSince && { redeliverSince }) },
    ).catch((error: unknown) => {
      if (error instanceof NotFoundError || error instanceof ConflictError)
        throw new OperationalError(error.message);
      throw error;
    });
    if (ctx.json) {
      writeJson(ctx.io.stdout, {
        ...result,
        ...(redeliverSince && { redeliverSince: redeliverSince.toISOString() }),
      });
      return EXIT.ok;
    }
    const { paint } = ctx;
    const lines = [
      result.enabled
        ? `${paint('green', 'Enabled')} ${subscriptionId} (${result.subscription.url}).`
        : `${subscriptionId} was already active.`,
    ];
    if (redeliverSince !== undefined) {
      lines.push(
        `Redelivering ${result.redelivered.length} failed deliver${result.redelivered.length === 1 ? 'y' : 'ies'} since ${redeliverSince.toISOString()}.`,
      );
      if (result.redelivered.length > 0)
        lines.push(
          renderTable(
            [{ header: 'DELIVERY' }, { header: 'EVENT' }, { header: 'CREATED' }, { header: 'WAS' }],
            result.redelivered.map((d) => [
              d.deliveryId,
              d.eventType,
              d.createdAt,
              d.reason ? `${d.status} (${d.reason})` : d.status,
            ]),
          ).trimEnd(),
        );
    }
    ctx.io.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  } finally {
    env.destroy();
  }
}
