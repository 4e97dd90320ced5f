import {
  type ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  assertValid,
  intervalMs,
  type PartnerRateGate,
  type RateDecision,
  type RateLimit,
  RefusalMemo,
  refusalAt,
  toleranceMs,
} from '../../domain/rate-limit';
import { isConditionFailure } from './lease';
import { ENTITY, partnerRateKey } from './table-design';

/** Rounds of the two conditional writes before letting a request through (heavy contention). */
const MAX_ROUNDS = 3;

type Write = { written: true } | { written: false; tat: number | undefined };

/**
 * The per-partner share on the partners table, one row per partner (`RATE#<partnerId>`), shared by
 * every container of every API function: a flood that scales the API out still gets one share.
 * Each allowed request is one conditional UpdateItem (1 WCU), atomic, with no read first:
 * - idle (`tat` absent or before now): set it to now + one interval;
 * - a burst (`tat` between now and now + tolerance): add one interval.
 * A failed condition returns the row (`ALL_OLD`), which says whether the request is refused, in
 * the same round trip. Refusals are remembered in the container until they lapse, so a flood
 * costs one write per container per refusal window, not one per request.
 */
export class DynamoPartnerRateGate implements PartnerRateGate {
  private readonly memo = new RefusalMemo();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly limit: RateLimit,
  ) {
    assertValid(limit);
  }

  async take(partnerId: string, nowMs: number): Promise<RateDecision> {
    const remembered = this.memo.refusal(partnerId, nowMs);
    if (remembered) return remembered;
    const interval = intervalMs(this.limit);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const idle = await this.write(partnerId, {
        UpdateExpression: 'SET tat = :next, entity = :entity',
        ConditionExpression: 'attribute_not_exists(tat) OR tat < :now',
        ExpressionAttributeValues: marshall({
          ':next': nowMs + interval,
          ':now': nowMs,
          ':entity': ENTITY.partnerRate,
        }),
      });
      const afterIdle = this.decided(partnerId, idle, nowMs);
      if (afterIdle) return afterIdle;
      const burst = await this.write(partnerId, {
        UpdateExpression: 'SET tat = tat + :interval',
        ConditionExpression: 'tat BETWEEN :now AND :ceiling',
        ExpressionAttributeValues: marshall({
          ':interval': interval,
          ':now': nowMs,
          ':ceiling': nowMs + toleranceMs(this.limit),
        }),
      });
      const afterBurst = this.decided(partnerId, burst, nowMs);
      if (afterBurst) return afterBurst;
      // The row went away between the two writes (an operator deleted it): start again.
    }
    return { allowed: true };
  }

  /** What a write decided: allowed, refused (remembered), or nothing yet (undefined: try the next write). */
  private decided(partnerId: string, write: Write, nowMs: number): RateDecision | undefined {
    if (write.written) return { allowed: true };
    const refusal = refusalAt(write.tat, nowMs, this.limit);
    if (refusal) this.memo.remember(partnerId, refusal);
    return refusal;
  }

  private async write(
    partnerId: string,
    update: Pick<
      UpdateItemCommand['input'],
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeValues'
    >,
  ): Promise<Write> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(partnerRateKey(partnerId)),
          ...update,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { written: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = error as ConditionalCheckFailedException;
      const { tat } = (Item ? unmarshall(Item) : {}) as { tat?: number };
      return { written: false, tat };
    }
  }
}
