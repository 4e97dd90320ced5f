/**
 * What a DynamoDB (or DynamoDB Streams) JSON request asks IAM for: one authorization request per
 * action and resource it touches, as DynamoDB authorizes them. A transaction needs the item action
 * of each of its parts (there is no `dynamodb:TransactWriteItems` action); a batch needs the batch
 * action on each of its tables; a Query or Scan on an index needs its index ARN. The
 * `dynamodb:LeadingKeys` condition key carries the partition key values the request touches: known
 * for item operations, batches and a Query with a partition key equality, unknowable for a Scan.
 */
import type { AuthorizationRequest } from './policy';

/** Partition key attribute of each table and of each of its indexes (by table name). */
export interface TableKeys {
  hashKey: string;
  indexes: Record<string, string>;
}
export type KeySchemas = ReadonlyMap<string, TableKeys>;

interface Scope {
  region: string;
  accountId: string;
  keys: KeySchemas;
}

type AttributeValue = Record<string, unknown>;
type Input = Record<string, unknown>;

const ITEM_ACTIONS: Record<string, 'Key' | 'Item'> = {
  GetItem: 'Key',
  DeleteItem: 'Key',
  UpdateItem: 'Key',
  PutItem: 'Item',
};

const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

/** `X-Amz-Target` is `DynamoDB_20120810.<Operation>` or `DynamoDBStreams_20120810.<Operation>`. */
export function dynamoDbRequests(target: string, input: Input, scope: Scope): AuthorizationRequest[] {
  const [prefix = '', operation = ''] = target.split('.');
  if (prefix.startsWith('DynamoDBStreams')) return streamRequests(operation, input);
  const tableArn = (name: unknown) => tableArnOf(String(name ?? ''), scope);
  const leadingKeys = (table: unknown, values: Array<AttributeValue | undefined>, index?: unknown) =>
    leadingKeyValues(scope.keys.get(tableNameOf(String(table ?? ''))), values, index);

  const itemField = ITEM_ACTIONS[operation];
  if (itemField) {
    return [
      {
        action: `dynamodb:${operation}`,
        resource: tableArn(input.TableName),
        context: {
          'dynamodb:LeadingKeys': leadingKeys(input.TableName, [input[itemField] as AttributeValue]),
        },
      },
    ];
  }
  switch (operation) {
    case 'Query':
    case 'Scan': {
      const index = typeof input.IndexName === 'string' ? input.IndexName : undefined;
      const base = tableArn(input.TableName);
      const keys = scope.keys.get(tableNameOf(String(input.TableName ?? '')));
      const hashKey = index ? keys?.indexes[index] : keys?.hashKey;
      return [
        {
          action: `dynamodb:${operation}`,
          resource: index ? `${base}/index/${index}` : base,
          context: {
            'dynamodb:LeadingKeys':
              operation === 'Query' && hashKey ? queryPartitionValue(input, hashKey) : null,
          },
        },
      ];
    }
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.entries((input.RequestItems ?? {}) as Record<string, unknown>).map(([table, request]) => {
        const values =
          operation === 'BatchGetItem'
            ? ((request as { Keys?: AttributeValue[] }).Keys ?? [])
            : (
                (request ?? []) as Array<{
                  PutRequest?: { Item?: AttributeValue };
                  DeleteRequest?: { Key?: AttributeValue };
                }>
              ).map((w) => w.PutRequest?.Item ?? w.DeleteRequest?.Key);
        return {
          action: `dynamodb:${operation}`,
          resource: tableArn(table),
          context: { 'dynamodb:LeadingKeys': leadingKeys(table, values) },
        };
      });
    case 'TransactWriteItems':
    case 'TransactGetItems':
      return ((input.TransactItems ?? []) as Array<Record<string, Input>>).flatMap((part) =>
        Object.entries(part).flatMap(([kind, body]) => {
          const action = TRANSACT_ACTIONS[kind];
          if (!action || !body) return [];
          const value = (kind === 'Put' ? body.Item : body.Key) as AttributeValue | undefined;
          return [
            {
              action: `dynamodb:${action}`,
              resource: tableArn(body.TableName),
              context: { 'dynamodb:LeadingKeys': leadingKeys(body.TableName, [value]) },
            },
          ];
        }),
      );
    case 'ExecuteStatement':
      return [partiQlRequest(String(input.Statement ?? ''), scope)];
    case 'BatchExecuteStatement':
    case 'ExecuteTransaction':
      return ((input.Statements ?? input.TransactStatements ?? []) as Input[]).map((s) =>
        partiQlRequest(String(s.Statement ?? ''), scope),
      );
    default:
      // DescribeTable, ListTables, UpdateTimeToLive, …: the operation's own action on its table.
      return [
        {
          action: `dynamodb:${operation}`,
          resource: typeof input.TableName === 'string' ? tableArn(input.TableName) : '*',
        },
      ];
  }
}

function streamRequests(operation: string, input: Input): AuthorizationRequest[] {
  if (operation === 'ListStreams') return [{ action: 'dynamodb:ListStreams', resource: '*' }];
  // A shard iterator starts with its stream ARN (`arn:…/stream/<label>|…`), as on AWS.
  const fromIterator =
    typeof input.ShardIterator === 'string' ? input.ShardIterator.split('|')[0] : undefined;
  const streamArn = typeof input.StreamArn === 'string' ? input.StreamArn : fromIterator;
  return [
    {
      action: `dynamodb:${operation}`,
      resource: streamArn?.startsWith('arn:') ? streamArn : '*',
    },
  ];
}

/** `TableName` may be a name or (since 2024) the table's ARN. */
function tableNameOf(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:')
    ? (nameOrArn.split(':table/')[1]?.split('/')[0] ?? nameOrArn)
    : nameOrArn;
}

function tableArnOf(nameOrArn: string, scope: Scope): string {
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  return `arn:aws:dynamodb:${scope.region}:${scope.accountId}:table/${nameOrArn}`;
}

/** Partition key values as IAM sees them: the string of an S, N or B (base64) value. */
function leadingKeyValues(
  keys: TableKeys | undefined,
  values: Array<AttributeValue | undefined>,
  index?: unknown,
): string[] | null {
  const hashKey = typeof index === 'string' ? keys?.indexes[index] : keys?.hashKey;
  if (!hashKey) return null;
  const result: string[] = [];
  for (const item of values) {
    const scalar = scalarOf(item?.[hashKey]);
    if (scalar === undefined) return null;
    result.push(scalar);
  }
  return result;
}

function scalarOf(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as { S?: unknown; N?: unknown; B?: unknown };
  if (typeof v.S === 'string') return v.S;
  if (typeof v.N === 'string') return v.N;
  if (typeof v.B === 'string') return v.B;
  return undefined;
}

/**
 * The partition key value a Query asks for: `<hash> = :v` in `KeyConditionExpression` (names
 * resolved through `ExpressionAttributeNames`), or the legacy `KeyConditions` EQ.
 */
function queryPartitionValue(input: Input, hashKey: string): string[] | null {
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const expression = typeof input.KeyConditionExpression === 'string' ? input.KeyConditionExpression : '';
  const operand = /([#:]?[A-Za-z0-9_.-]+)\s*=\s*([#:]?[A-Za-z0-9_.-]+)/g;
  for (const [, left = '', right = ''] of expression.matchAll(operand)) {
    for (const [attribute, value] of [
      [left, right],
      [right, left],
    ] as const) {
      const name = attribute.startsWith('#') ? names[attribute] : attribute;
      if (name === hashKey && value.startsWith(':')) {
        const scalar = scalarOf(values[value]);
        return scalar === undefined ? null : [scalar];
      }
    }
  }
  const legacy = (
    input.KeyConditions as Record<string, { ComparisonOperator?: string; AttributeValueList?: unknown[] }>
  )?.[hashKey];
  if (legacy?.ComparisonOperator === 'EQ') {
    const scalar = scalarOf(legacy.AttributeValueList?.[0]);
    return scalar === undefined ? null : [scalar];
  }
  return null;
}

/** PartiQL: `dynamodb:PartiQL<Verb>` on the statement's table (its first quoted or bare name). */
function partiQlRequest(statement: string, scope: Scope): AuthorizationRequest {
  const verb = /^\s*(\w+)/.exec(statement)?.[1]?.toUpperCase() ?? '';
  const action = {
    SELECT: 'PartiQLSelect',
    INSERT: 'PartiQLInsert',
    UPDATE: 'PartiQLUpdate',
    DELETE: 'PartiQLDelete',
  }[verb];
  const table = /(?:FROM|INTO|UPDATE)\s+"?([A-Za-z0-9_.-]+)"?/i.exec(statement)?.[1];
  return {
    action: `dynamodb:${action ?? 'PartiQLSelect'}`,
    resource: table ? tableArnOf(table, scope) : '*',
  };
}

/** Partition keys of every table in the resolved templates, for `dynamodb:LeadingKeys`. */
export function keySchemasOf(
  tables: ReadonlyArray<{ physicalId: string; properties: Record<string, unknown> }>,
): Map<string, TableKeys> {
  const hashOf = (schema: unknown) =>
    ((schema ?? []) as Array<{ AttributeName?: string; KeyType?: string }>).find((k) => k.KeyType === 'HASH')
      ?.AttributeName;
  const result = new Map<string, TableKeys>();
  for (const table of tables) {
    const hashKey = hashOf(table.properties.KeySchema);
    if (!hashKey) continue;
    const indexes: Record<string, string> = {};
    for (const gsi of (table.properties.GlobalSecondaryIndexes ?? []) as Array<Record<string, unknown>>) {
      const key = hashOf(gsi.KeySchema);
      if (key) indexes[String(gsi.IndexName)] = key;
    }
    for (const lsi of (table.properties.LocalSecondaryIndexes ?? []) as Array<Record<string, unknown>>) {
      indexes[String(lsi.IndexName)] = hashKey;
    }
    result.set(table.physicalId, { hashKey, indexes });
  }
  return result;
}
