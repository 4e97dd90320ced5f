/**
 * Creates (or adopts) a DynamoDB Local table from resolved `AWS::DynamoDB::Table` properties.
 * Idempotent: a table that already exists in the persisted data directory keeps its data; a table whose
 * key schema differs from the template is an error, since silently recreating it would lose data.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

/** How each `AWS::DynamoDB::Table` property is treated locally; anything else deserves a warning. */
export const TABLE_PROPERTY_SUPPORT = {
  TableName: 'emulated',
  KeySchema: 'emulated',
  AttributeDefinitions: 'emulated',
  GlobalSecondaryIndexes: 'emulated',
  LocalSecondaryIndexes: 'emulated',
  BillingMode: 'emulated',
  ProvisionedThroughput: 'emulated',
  StreamSpecification: 'emulated',
  TimeToLiveSpecification: 'emulated',
  PointInTimeRecoverySpecification: 'accepted-no-op',
  SSESpecification: 'accepted-no-op',
  DeletionProtectionEnabled: 'accepted-no-op',
  Tags: 'accepted-no-op',
  ContributorInsightsSpecification: 'accepted-no-op',
  TableClass: 'accepted-no-op',
} as const satisfies Record<string, 'emulated' | 'accepted-no-op'>;

export const SUPPORTED_TABLE_PROPERTIES: readonly string[] = Object.keys(TABLE_PROPERTY_SUPPORT);

/** Property names present in `props` that the local table neither emulates nor knowingly ignores. */
export function unsupportedTableProperties(props: Record<string, unknown>): string[] {
  return Object.keys(props).filter((name) => !(name in TABLE_PROPERTY_SUPPORT));
}

interface CfnKeySchema {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE' | string;
}

interface CfnProjection {
  ProjectionType?: string;
  NonKeyAttributes?: string[];
}

interface CfnThroughput {
  ReadCapacityUnits: number;
  WriteCapacityUnits: number;
}

/** Resolved `AWS::DynamoDB::Table` properties (the subset that shapes the table). */
export interface TableProperties {
  TableName: string;
  KeySchema: CfnKeySchema[];
  AttributeDefinitions?: Array<{ AttributeName: string; AttributeType: string }>;
  GlobalSecondaryIndexes?: Array<{
    IndexName: string;
    KeySchema: CfnKeySchema[];
    Projection: CfnProjection;
    ProvisionedThroughput?: CfnThroughput;
    [other: string]: unknown;
  }>;
  LocalSecondaryIndexes?: Array<{ IndexName: string; KeySchema: CfnKeySchema[]; Projection: CfnProjection }>;
  BillingMode?: 'PAY_PER_REQUEST' | 'PROVISIONED' | string;
  ProvisionedThroughput?: CfnThroughput;
  StreamSpecification?: { StreamViewType: string; [other: string]: unknown };
  TimeToLiveSpecification?: { AttributeName?: string; Enabled: boolean };
  [other: string]: unknown;
}

export interface EnsuredTable {
  tableName: string;
  /** For `Fn::GetAtt [Table, Arn]`. */
  tableArn: string;
  /** For `Fn::GetAtt [Table, StreamArn]`; undefined without a stream. */
  streamArn: string | undefined;
  created: boolean;
  /** Things that differ from AWS or from the template but do not stop the local cloud. */
  warnings: string[];
}

export class TableSchemaMismatchError extends Error {
  constructor(tableName: string, expected: string, actual: string) {
    super(
      `Table ${tableName} already exists locally with key schema ${actual}, but the template declares ${expected}. ` +
        'Delete the local data directory (or the table) to recreate it; the local cloud will not drop data silently.',
    );
    this.name = 'TableSchemaMismatchError';
  }
}

const DEFAULT_THROUGHPUT = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };

export async function ensureTable(client: DynamoDBClient, props: TableProperties): Promise<EnsuredTable> {
  const warnings = unsupportedTableProperties(props).map(
    (name) => `Table ${props.TableName}: property ${name} is not emulated locally and is ignored`,
  );
  let description = await describe(client, props.TableName);
  let created = false;
  if (description) {
    assertSameKeySchema(props, description);
    warnings.push(...indexDrift(props, description));
    if (props.StreamSpecification && !description.StreamSpecification?.StreamEnabled) {
      await client.send(
        new UpdateTableCommand({
          TableName: props.TableName,
          StreamSpecification: { StreamEnabled: true, StreamViewType: streamViewType(props) },
        }),
      );
      description = await describe(client, props.TableName);
    } else if (
      props.StreamSpecification &&
      description.StreamSpecification?.StreamViewType !== props.StreamSpecification.StreamViewType
    ) {
      warnings.push(
        `Table ${props.TableName}: existing stream view type ${description.StreamSpecification?.StreamViewType} ` +
          `differs from the template's ${props.StreamSpecification.StreamViewType}; kept the existing stream`,
      );
    }
  } else {
    await client.send(new CreateTableCommand(createTableInput(props)));
    await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: props.TableName });
    description = await describe(client, props.TableName);
    created = true;
  }
  if (!description?.TableArn) throw new Error(`Table ${props.TableName} has no ARN after creation`);
  warnings.push(...(await ensureTimeToLive(client, props)));
  return {
    tableName: props.TableName,
    tableArn: description.TableArn,
    streamArn: description.LatestStreamArn,
    created,
    warnings,
  };
}

export function createTableInput(props: TableProperties): CreateTableCommandInput {
  const provisioned = props.BillingMode === 'PROVISIONED';
  const throughput = (declared: CfnThroughput | undefined) =>
    provisioned ? { ProvisionedThroughput: declared ?? DEFAULT_THROUGHPUT } : {};
  const gsis: GlobalSecondaryIndex[] | undefined = props.GlobalSecondaryIndexes?.map((index) => ({
    IndexName: index.IndexName,
    KeySchema: keySchema(index.KeySchema),
    Projection: index.Projection as GlobalSecondaryIndex['Projection'],
    ...throughput(index.ProvisionedThroughput),
  }));
  const lsis: LocalSecondaryIndex[] | undefined = props.LocalSecondaryIndexes?.map((index) => ({
    IndexName: index.IndexName,
    KeySchema: keySchema(index.KeySchema),
    Projection: index.Projection as LocalSecondaryIndex['Projection'],
  }));
  return {
    TableName: props.TableName,
    KeySchema: keySchema(props.KeySchema),
    AttributeDefinitions: (props.AttributeDefinitions ?? []) as AttributeDefinition[],
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ...throughput(props.ProvisionedThroughput),
    ...(gsis && gsis.length > 0 && { GlobalSecondaryIndexes: gsis }),
    ...(lsis && lsis.length > 0 && { LocalSecondaryIndexes: lsis }),
    ...(props.StreamSpecification && {
      StreamSpecification: { StreamEnabled: true, StreamViewType: streamViewType(props) },
    }),
  };
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function ensureTimeToLive(client: DynamoDBClient, props: TableProperties): Promise<string[]> {
  const spec = props.TimeToLiveSpecification;
  if (!spec?.Enabled || !spec.AttributeName) return [];
  try {
    const current = await client.send(new DescribeTimeToLiveCommand({ TableName: props.TableName }));
    const status = current.TimeToLiveDescription;
    if (status?.TimeToLiveStatus === 'ENABLED' || status?.TimeToLiveStatus === 'ENABLING') {
      return status.AttributeName === spec.AttributeName
        ? []
        : [
            `Table ${props.TableName}: TTL is already enabled on ${status.AttributeName}, ` +
              `the template says ${spec.AttributeName}; kept the existing setting`,
          ];
    }
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: props.TableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: spec.AttributeName },
      }),
    );
    return [];
  } catch (error) {
    return [`Table ${props.TableName}: could not enable TTL locally (${(error as Error).message})`];
  }
}

function streamViewType(props: TableProperties) {
  return props.StreamSpecification?.StreamViewType as
    | 'NEW_IMAGE'
    | 'OLD_IMAGE'
    | 'NEW_AND_OLD_IMAGES'
    | 'KEYS_ONLY';
}

function keySchema(schema: CfnKeySchema[]): KeySchemaElement[] {
  return schema.map((key) => ({
    AttributeName: key.AttributeName,
    KeyType: key.KeyType as 'HASH' | 'RANGE',
  }));
}

/** `PK:S(HASH), SK:S(RANGE)` */
function describeKeys(schema: KeySchemaElement[], types: Map<string, string | undefined>): string {
  return [...schema]
    .sort((a, b) => (a.KeyType === b.KeyType ? 0 : a.KeyType === 'HASH' ? -1 : 1))
    .map((key) => `${key.AttributeName}:${types.get(key.AttributeName ?? '') ?? '?'}(${key.KeyType})`)
    .join(', ');
}

function assertSameKeySchema(props: TableProperties, description: TableDescription): void {
  const expectedTypes = new Map(props.AttributeDefinitions?.map((a) => [a.AttributeName, a.AttributeType]));
  const actualTypes = new Map(
    description.AttributeDefinitions?.map((a) => [a.AttributeName ?? '', a.AttributeType]),
  );
  const expected = describeKeys(keySchema(props.KeySchema), expectedTypes);
  const actual = describeKeys(description.KeySchema ?? [], actualTypes);
  if (expected !== actual) throw new TableSchemaMismatchError(props.TableName, expected, actual);
}

function indexDrift(props: TableProperties, description: TableDescription): string[] {
  const expected = new Set(
    [...(props.GlobalSecondaryIndexes ?? []), ...(props.LocalSecondaryIndexes ?? [])].map((i) => i.IndexName),
  );
  const actual = new Set(
    [...(description.GlobalSecondaryIndexes ?? []), ...(description.LocalSecondaryIndexes ?? [])].map(
      (i) => i.IndexName ?? '',
    ),
  );
  const missing = [...expected].filter((name) => !actual.has(name));
  const extra = [...actual].filter((name) => !expected.has(name));
  if (missing.length === 0 && extra.length === 0) return [];
  return [
    `Table ${props.TableName}: existing indexes differ from the template (missing: ${missing.join(', ') || 'none'}; ` +
      `extra: ${extra.join(', ') || 'none'}); delete the local data directory to recreate the table`,
  ];
}
