import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { SendPacer } from '../../domain/webhooks/ports';
import { intervalMs, nextSlot, pausedTat, type SendRate } from '../../domain/webhooks/send-rate';
import { isConditionFailure } from './lease';
import { subscriptionKey } from './table-design';

/** Rounds of the two conditional writes before giving up on pacing one send (heavy contention). */
const MAX_ROUNDS = 3;

/**
 * SendPacer on the webhooks table: the theoretical arrival time (`sendTat`, epoch ms) is an
 * attribute of the subscription row, so it goes when the subscription is deleted and is never
 * created for one that is gone. Each reservation is one conditional UpdateItem (1 WCU), atomic, so
 * any number of concurrent dispatchers share one rate without reading first:
 * - a backlog (`sendTat` at or after now): add one interval, and the old value gives the slot;
 * - otherwise (idle, or never sent): set it to now + one interval, and the slot is now.
 * A write that loses a race to the other kind of write tries again.
 */
export class DynamoSendPacer implements SendPacer {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async reserve(subscriptionId: string, rate: SendRate, nowMs: number): Promise<number> {
    const Key = marshall(subscriptionKey(subscriptionId));
    for (let round = 0; round < MAX_ROUNDS; round++) {
      try {
        const { Attributes } = await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key,
            UpdateExpression: 'SET sendTat = sendTat + :interval',
            ConditionExpression: 'sendTat >= :now',
            ExpressionAttributeValues: marshall({ ':interval': intervalMs(rate), ':now': nowMs }),
            ReturnValues: 'UPDATED_OLD',
          }),
        );
        const { sendTat } = unmarshall(Attributes ?? {}) as { sendTat?: number };
        return nextSlot(sendTat, nowMs, rate).slotAt;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key,
            UpdateExpression: 'SET sendTat = :next',
            ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(sendTat) OR sendTat < :now)',
            ExpressionAttributeValues: marshall({
              ':next': nextSlot(undefined, nowMs, rate).tat,
              ':now': nowMs,
            }),
          }),
        );
        return nowMs;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    // The subscription is gone (the dispatcher then cancels), or the row is fought over: send.
    return nowMs;
  }

  async pause(subscriptionId: string, rate: SendRate, untilMs: number): Promise<void> {
    const held = pausedTat(untilMs, rate);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(subscriptionKey(subscriptionId)),
          UpdateExpression: 'SET sendTat = :held',
          ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(sendTat) OR sendTat < :held)',
          ExpressionAttributeValues: marshall({ ':held': held }),
        }),
      );
    } catch (error) {
      // Held longer already, or the subscription is gone.
      if (!isConditionFailure(error)) throw error;
    }
  }
}
