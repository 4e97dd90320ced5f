import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  paginateScan,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type Entitlement, FEED_TYPES, type FeedType } from '../../domain/feed/model';
import type { EntitlementReader } from '../../domain/feed/ports';
import { MalformedRecordError } from './item-records';
import { ENTITY, partnerKey } from './table-design';
import { transactWrite } from './transactions';

export const ENTITLEMENT_SK = 'ENTITLEMENT';

export function entitlementKey(partnerId: string): { PK: string; SK: string } {
  return { PK: partnerKey(partnerId).PK, SK: ENTITLEMENT_SK };
}

/** The partner to entitle does not exist. */
export class UnknownPartnerError extends Error {
  constructor(partnerId: string) {
    super(`No partner ${partnerId}`);
    this.name = 'UnknownPartnerError';
  }
}

/**
 * A consumer's entitlement, one row next to its profile in the partners table:
 * `PARTNER#<id>` / `ENTITLEMENT`. Read with a strongly consistent GetItem on every feed request, so a
 * grant or a revocation applies to the very next request.
 */
export class DynamoEntitlementStore implements EntitlementReader {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(partnerId: string): Promise<Entitlement | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(entitlementKey(partnerId)),
        ConsistentRead: true,
      }),
    );
    return Item === undefined ? undefined : fromEntitlementRow(unmarshall(Item));
  }

  /** Grants (or replaces) an entitlement; the partner must exist. */
  async put(entitlement: Entitlement): Promise<void> {
    const outcome = await transactWrite(this.client, {
      TransactItems: [
        {
          ConditionCheck: {
            TableName: this.tableName,
            Key: marshall(partnerKey(entitlement.partnerId)),
            ConditionExpression: 'attribute_exists(PK)',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: marshall(
              { ...entitlementKey(entitlement.partnerId), entity: ENTITY.entitlement, ...entitlement },
              { removeUndefinedValues: true },
            ),
          },
        },
      ],
    });
    if (!outcome.committed) throw new UnknownPartnerError(entitlement.partnerId);
  }

  /** Removes a partner's entitlement; false when it had none. */
  async remove(partnerId: string): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteItemCommand({
        TableName: this.tableName,
        Key: marshall(entitlementKey(partnerId)),
        ReturnValues: 'ALL_OLD',
      }),
    );
    return Attributes !== undefined;
  }

  /** Every entitlement (operators only: a Scan of the small partners table). */
  async list(): Promise<Entitlement[]> {
    const entitlements: Entitlement[] = [];
    const pages = paginateScan(
      { client: this.client },
      {
        TableName: this.tableName,
        FilterExpression: 'SK = :sk',
        ExpressionAttributeValues: marshall({ ':sk': ENTITLEMENT_SK }),
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) entitlements.push(fromEntitlementRow(unmarshall(item)));
    }
    return entitlements;
  }
}

const TYPES: ReadonlySet<string> = new Set(FEED_TYPES);

function fromEntitlementRow(row: Record<string, unknown>): Entitlement {
  const fail = (detail: string): never => {
    throw new MalformedRecordError(ENTITY.entitlement, detail);
  };
  const list = (name: string, optional: boolean): string[] | undefined => {
    const value = row[name];
    if (value === undefined && optional) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
      return fail(`${name} must be a list`);
    return value as string[];
  };
  const allOrList = (name: string): string[] | 'all' => (row[name] === 'all' ? 'all' : list(name, false)!);
  if (typeof row.partnerId !== 'string') fail('partnerId must be a string');
  const types = list('types', true);
  if (types?.some((type) => !TYPES.has(type))) fail('types holds an unknown type');
  const places = list('places', true);
  const subjects = list('subjects', true);
  return {
    partnerId: row.partnerId as string,
    sources: allOrList('sources'),
    languages: allOrList('languages'),
    ...(types && { types: types as FeedType[] }),
    ...(places && { places }),
    ...(subjects && { subjects }),
    embargoed: row.embargoed === true,
    updatedAt: typeof row.updatedAt === 'string' ? row.updatedAt : '',
  };
}
