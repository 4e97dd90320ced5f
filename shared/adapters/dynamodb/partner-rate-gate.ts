import {
  type ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { availableAt, LeaseBook, leaseCeiling, maxLeaseOf } from '../../domain/rate-lease';
import {
  assertValid,
  intervalMs,
  MAX_PARTNERS,
  type PartnerRateGate,
  type RateDecision,
  type RateLimit,
  RefusalMemo,
  refusalAt,
} from '../../domain/rate-limit';
import { isConditionFailure } from './lease';
import { ENTITY, partnerRateKey } from './table-design';

/** Conditional writes for one decision before letting the request through (heavy contention). */
const MAX_WRITES = 6;

const ALLOWED: RateDecision = { allowed: true };

type Write = { written: true; tat: number } | { written: false; tat: number | undefined };

export interface PartnerRateGateOptions {
  /** The largest lease; default maxLeaseOf(limit). 1 turns leasing off (one write per request). */
  maxLease?: number;
}

/**
 * The per-partner share on the partners table, one row per partner (`RATE#<partnerId>`), shared by
 * every container of every API function: a flood that scales the API out still gets one share.
 * A container takes k requests of the share at once (a lease, shared/domain/rate-lease.ts) with
 * one conditional UpdateItem (1 WCU), atomic, with no read first, and spends them locally:
 * - idle (`tat` absent or before now): set it to now + k intervals;
 * - a burst (`tat` from now up to the lease's ceiling): add k intervals.
 * A failed condition returns the row (`ALL_OLD`), which says in the same round trip how many
 * requests the share still admits: none is a refusal, remembered in the container until it lapses
 * (a flood costs one write per container per refusal window); fewer than k are taken instead.
 */
export class DynamoPartnerRateGate implements PartnerRateGate {
  private readonly memo = new RefusalMemo();
  private readonly leases: LeaseBook;
  /** The last `tat` this container saw per partner: picks which of the two writes to try first. */
  private readonly lastTat = new Map<string, number>();
  /** The lease write in flight per partner: concurrent requests wait for it instead of writing too. */
  private readonly pending = new Map<string, Promise<RateDecision>>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly limit: RateLimit,
    options: PartnerRateGateOptions = {},
  ) {
    assertValid(limit);
    this.leases = new LeaseBook(Math.min(options.maxLease ?? maxLeaseOf(limit), limit.burst));
  }

  async take(partnerId: string, nowMs: number): Promise<RateDecision> {
    for (;;) {
      const remembered = this.memo.refusal(partnerId, nowMs);
      if (remembered) return remembered;
      if (this.leases.spend(partnerId, nowMs)) return ALLOWED;
      const pending = this.pending.get(partnerId);
      if (!pending) break;
      await pending.catch(() => undefined);
    }
    const leasing = this.lease(partnerId, nowMs, this.leases.size(partnerId, nowMs));
    this.pending.set(partnerId, leasing);
    try {
      return await leasing;
    } finally {
      this.pending.delete(partnerId);
    }
  }

  /** Takes up to `wanted` requests of the share at `nowMs`, one of them for this request. */
  private async lease(partnerId: string, nowMs: number, wanted: number): Promise<RateDecision> {
    let k = wanted;
    const seen = this.lastTat.get(partnerId);
    let idle = seen === undefined || seen < nowMs;
    for (let writes = 0; writes < MAX_WRITES; writes++) {
      const write = idle
        ? await this.writeIdle(partnerId, nowMs, k)
        : await this.writeBurst(partnerId, nowMs, k);
      this.noteTat(partnerId, write.tat);
      if (write.written) {
        this.leases.record(partnerId, nowMs, k);
        return ALLOWED;
      }
      const available = availableAt(write.tat, nowMs, this.limit);
      if (available === 0) {
        const refusal = refusalAt(write.tat, nowMs, this.limit)!;
        this.memo.remember(partnerId, refusal);
        return refusal;
      }
      // The other write applies, or fewer than k are left: the row says which, so the next write fits.
      idle = write.tat === undefined || write.tat < nowMs;
      k = Math.min(k, available);
    }
    return ALLOWED;
  }

  private writeIdle(partnerId: string, nowMs: number, k: number): Promise<Write> {
    return this.write(partnerId, {
      UpdateExpression: 'SET tat = :next, entity = :entity',
      ConditionExpression: 'attribute_not_exists(tat) OR tat < :now',
      ExpressionAttributeValues: marshall({
        ':next': nowMs + k * intervalMs(this.limit),
        ':now': nowMs,
        ':entity': ENTITY.partnerRate,
      }),
    });
  }

  private writeBurst(partnerId: string, nowMs: number, k: number): Promise<Write> {
    return this.write(partnerId, {
      UpdateExpression: 'SET tat = tat + :lease',
      ConditionExpression: 'tat BETWEEN :now AND :ceiling',
      ExpressionAttributeValues: marshall({
        ':lease': k * intervalMs(this.limit),
        ':now': nowMs,
        ':ceiling': leaseCeiling(nowMs, k, this.limit),
      }),
    });
  }

  private noteTat(partnerId: string, tat: number | undefined): void {
    if (tat === undefined) {
      this.lastTat.delete(partnerId);
      return;
    }
    if (!this.lastTat.has(partnerId) && this.lastTat.size >= MAX_PARTNERS) this.lastTat.clear();
    this.lastTat.set(partnerId, tat);
  }

  private async write(
    partnerId: string,
    update: Pick<
      UpdateItemCommand['input'],
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeValues'
    >,
  ): Promise<Write> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(partnerRateKey(partnerId)),
          ...update,
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { written: true, tat: (unmarshall(Attributes ?? {}) as { tat: number }).tat };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = error as ConditionalCheckFailedException;
      const { tat } = (Item ? unmarshall(Item) : {}) as { tat?: number };
      return { written: false, tat };
    }
  }
}
