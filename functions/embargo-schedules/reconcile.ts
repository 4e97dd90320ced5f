import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBRecord } from 'aws-lambda';
import type { ReleaseSchedules } from '../../shared/adapters/scheduler/release-schedules';
import type { ItemHeadReader } from '../../shared/domain/ports';
import { scheduledReleaseOf } from '../../shared/domain/release-schedule';

export interface ReconcileDeps {
  store: Pick<ItemHeadReader, 'getHead'>;
  schedules: Pick<ReleaseSchedules, 'put' | 'remove'>;
  logger: Pick<Logger, 'info' | 'warn'>;
}

const ITEM_PK = /^ITEM#(itm_[0-9A-Za-z]{26})$/;

/**
 * Makes each touched item's release schedule match its CURRENT state (read consistently), not
 * the record's: so records may come twice or out of order (a transaction's two rows) and the
 * outcome is the same. Held by an embargo: the schedule exists at that time; anything else
 * (lifted, retracted, released, withheld): it does not. A failure throws and the stream batch is
 * retried (every step is idempotent); a lost schedule is covered by the sweeper.
 */
/** Returns how many items' schedules were reconciled. */
export async function reconcileSchedules(records: DynamoDBRecord[], deps: ReconcileDeps): Promise<number> {
  const itemIds = new Set<string>();
  for (const record of records) {
    const pk = record.dynamodb?.Keys?.PK?.S;
    const match = pk === undefined ? null : ITEM_PK.exec(pk);
    if (match?.[1] !== undefined) itemIds.add(match[1]);
  }
  for (const itemId of itemIds) {
    const releaseAt = scheduledReleaseOf(await deps.store.getHead(itemId));
    if (releaseAt === undefined) {
      await deps.schedules.remove(itemId);
      deps.logger.info('Release schedule removed', { itemId });
    } else {
      await deps.schedules.put(itemId, releaseAt);
      deps.logger.info('Release schedule set', { itemId, releaseAt });
    }
  }
  return itemIds.size;
}
