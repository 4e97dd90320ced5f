import { dynamoDb } from '#shared/adapters/clients/dynamodb.ts';
import { DynamoReleaseStore } from '#shared/adapters/dynamodb/item-store.ts';
import { requireEnv } from '#shared/adapters/env.ts';
import { MetricUnit } from '#shared/adapters/metrics.ts';
import { logger, metrics, observedHandler } from '#shared/adapters/observability.ts';
import { MAX_TRIGGER_LEAD_MS } from '#shared/domain/release-schedule.ts';
import { ReleaseService } from '#shared/domain/release-service.ts';

const service = new ReleaseService({
  store: new DynamoReleaseStore(dynamoDb, requireEnv('ITEMS_TABLE_NAME')),
});

/**
 * A release schedule is set for the minute before the embargo's minute, so that Scheduler's
 * 60-second precision never makes it late (release-schedule.ts): a trigger comes up to two minutes
 * early and waits for the embargo time (the function timeout leaves room for this wait). A few
 * seconds more allow for clock skew between Scheduler and Lambda.
 */
const MAX_EARLY_MS = MAX_TRIGGER_LEAD_MS + 5_000;

/**
 * The release of held items. Two triggers: the item's one-time schedule (input `{itemId,
 * releaseAt}`), which at the embargo time releases its item and every other one due by then (a
 * burst of embargoes ending together goes out in one go), and the backstop rule `rate(1 minute)`
 * (a Scheduled Event), which sweeps every overdue item. Both only ask; the release itself is one
 * conditional write per item (exactly once).
 * Errors are thrown: the schedule's retry policy and DLQ (or the next sweep) take over.
 */
async function handle(event: unknown): Promise<void> {
  const itemId = (event as { itemId?: unknown } | null)?.itemId;
  if (typeof itemId === 'string') {
    const { outcome, alsoReleased, lost, failed, firstError } = await service.releaseScheduled(
      itemId,
      MAX_EARLY_MS,
    );
    metrics.addMetric('ItemsReleased', MetricUnit.Count, (outcome === 'released' ? 1 : 0) + alsoReleased);
    logger.info('Scheduled release', { itemId, outcome, alsoReleased, lost });
    if (failed > 0)
      logger.warn('Releases of other due items failed; their own schedules and the sweep retry them', {
        failed,
        error: firstError,
      });
    return;
  }
  const { due, released } = await service.sweep();
  metrics.addMetric('ItemsReleasedBySweep', MetricUnit.Count, released);
  if (released > 0)
    logger.warn('Sweep released overdue items (their schedules were late or lost)', { due, released });
  else logger.debug('Sweep', { due, released });
}

export const handler = observedHandler<unknown, void>().handler(handle);
