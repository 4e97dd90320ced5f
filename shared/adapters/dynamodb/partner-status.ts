import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { PartnerStatus } from '../../domain/webhooks/ports';
import { partnerKey } from './table-design';

/** How long an `active` answer is trusted (see docs/security.md: revocation). */
export const ACTIVE_PARTNER_TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

/**
 * PartnerStatus on the partners table's profile rows, cached per container. Revocation is terminal,
 * so a `revoked` (or missing) answer is kept for good; an `active` one for 30 s. Revocation disables
 * the partner's subscriptions itself at once; this check is the backstop for a subscription that
 * slipped past it (registered through a gateway-cached key, or a revocation that stopped half-way),
 * so 30 s of staleness costs at most 30 s of deliveries while keeping the price at one
 * eventually-consistent GetItem (0.5 RCU) per partner per 30 s per warm container.
 */
export class DynamoPartnerStatus implements PartnerStatus {
  private readonly cache = new Map<string, { active: boolean; until: number }>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async isActive(partnerId: string): Promise<boolean> {
    const cached = this.cache.get(partnerId);
    if (cached && cached.until > this.now()) return cached.active;
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { PK: { S: partnerKey(partnerId).PK }, SK: { S: partnerKey(partnerId).SK } },
        ProjectionExpression: '#status',
        ExpressionAttributeNames: { '#status': 'status' },
      }),
    );
    const active = Item?.status?.S === 'active';
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(partnerId, { active, until: active ? this.now() + ACTIVE_PARTNER_TTL_MS : Infinity });
    return active;
  }
}
