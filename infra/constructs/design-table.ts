import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { GlobalIndexDesign, KeyAttribute, TableDesign } from '#shared/adapters/dynamodb/table-design.ts';

const ATTRIBUTE_TYPES: Record<KeyAttribute['type'], AttributeType> = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
  B: AttributeType.BINARY,
};

const STREAM_VIEW_TYPES: Record<NonNullable<TableDesign['stream']>, StreamViewType> = {
  NEW_AND_OLD_IMAGES: StreamViewType.NEW_AND_OLD_IMAGES,
  NEW_IMAGE: StreamViewType.NEW_IMAGE,
  OLD_IMAGE: StreamViewType.OLD_IMAGE,
  KEYS_ONLY: StreamViewType.KEYS_ONLY,
};

const PROJECTION_TYPES: Record<GlobalIndexDesign['projectionType'], ProjectionType> = {
  ALL: ProjectionType.ALL,
  KEYS_ONLY: ProjectionType.KEYS_ONLY,
};

function attribute(key: KeyAttribute) {
  return { name: key.name, type: ATTRIBUTE_TYPES[key.type] };
}

export interface DesignTableOptions {
  readonly tableName: string;
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
}

/**
 * Declares a table from the shared table design (keys, indexes, TTL, stream), so the deployed
 * table and the one the tests create on DynamoDB Local cannot drift apart. The operational
 * policies are the same for every table: on-demand, PITR, AWS-managed KMS encryption.
 */
export function tableFromDesign(
  scope: Construct,
  id: string,
  design: TableDesign,
  options: DesignTableOptions,
): Table {
  const table = new Table(scope, id, {
    tableName: options.tableName,
    partitionKey: attribute(design.partitionKey),
    sortKey: attribute(design.sortKey),
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: design.timeToLiveAttribute,
    stream: design.stream ? STREAM_VIEW_TYPES[design.stream] : undefined,
    deletionProtection: options.deletionProtection,
    removalPolicy: options.removalPolicy,
  });
  for (const index of design.globalSecondaryIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: attribute(index.partitionKey),
      sortKey: attribute(index.sortKey),
      projectionType: PROJECTION_TYPES[index.projectionType],
    });
  }
  return table;
}
