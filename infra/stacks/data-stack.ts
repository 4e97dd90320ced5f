import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { type Archive, EventBus } from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { ITEMS_TABLE, PARTNERS_TABLE, WEBHOOKS_TABLE } from '#shared/adapters/dynamodb/table-design.ts';
import { EVENT_SOURCE, eventBridgeRegistrySchemas } from '#shared/contracts/events/index.ts';
import { resourceName, type StageConfig } from '../config';
import { AlarmTopic } from '../constructs/alarm-topic';
import { tableFromDesign } from '../constructs/design-table';
import { EventSchemaRegistry } from '../constructs/event-schemas';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * The stateful half: what holds data or history. It changes rarely and is retained (and
 * deletion-protected) in prod, so the stateless API stack can be replaced freely.
 */
export class DataStack extends Stack {
  readonly itemsTable: Table;
  readonly partnersTable: Table;
  /** Webhook subscriptions, their secrets, match rows and deliveries (docs/webhooks.md). */
  readonly webhooksTable: Table;
  readonly eventBus: EventBus;
  readonly archive: Archive;
  readonly schemaRegistry: EventSchemaRegistry;
  /** Every alarm of the app notifies this topic (docs/operations.md). */
  readonly alarmTopic: AlarmTopic;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    const tableOptions = {
      removalPolicy: config.removalPolicy,
      deletionProtection: config.deletionProtection,
    };

    this.itemsTable = tableFromDesign(this, 'ItemsTable', ITEMS_TABLE, {
      ...tableOptions,
      tableName: resourceName(config.stage, 'items'),
    });
    this.partnersTable = tableFromDesign(this, 'PartnersTable', PARTNERS_TABLE, {
      ...tableOptions,
      tableName: resourceName(config.stage, 'partners'),
    });
    this.webhooksTable = tableFromDesign(this, 'WebhooksTable', WEBHOOKS_TABLE, {
      ...tableOptions,
      tableName: resourceName(config.stage, 'webhooks'),
    });

    this.eventBus = new EventBus(this, 'EventBus', {
      eventBusName: resourceName(config.stage),
      description: 'Diplowire item events: one event per accepted news item version.',
    });
    this.eventBus.applyRemovalPolicy(config.removalPolicy);
    // Every item event is archived so a subscriber that was down (or a new one) can be replayed to.
    this.archive = this.eventBus.archive('Archive', {
      archiveName: resourceName(config.stage, 'items'),
      description: 'All Diplowire item events, for replay to subscribers.',
      eventPattern: { source: [EVENT_SOURCE] },
      retention: config.archiveRetention,
    });

    this.schemaRegistry = new EventSchemaRegistry(this, 'EventSchemas', {
      registryName: resourceName(config.stage, 'events'),
      schemas: eventBridgeRegistrySchemas(),
    });

    const alarmEmail = this.node.tryGetContext('alarmEmail') as unknown;
    this.alarmTopic = new AlarmTopic(this, 'Alarms', {
      config,
      ...(typeof alarmEmail === 'string' && alarmEmail !== '' && { email: alarmEmail }),
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarmTopic.topic.topicArn,
      description: 'Subscribe to this topic to be told about alarms (or deploy with -c alarmEmail=...).',
    });

    new CfnOutput(this, 'ItemsTableName', { value: this.itemsTable.tableName });
    new CfnOutput(this, 'PartnersTableName', {
      value: this.partnersTable.tableName,
      description: 'Set PARTNERS_TABLE_NAME to this for `npm run partners`.',
    });
    new CfnOutput(this, 'WebhooksTableName', { value: this.webhooksTable.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName });
    new CfnOutput(this, 'EventBusArchiveName', { value: this.archive.archiveName });
    new CfnOutput(this, 'AlarmNamePrefix', {
      value: `${resourceName(config.stage)}-`,
      description: 'Every alarm of the stage is named with this prefix (npm run ops -- status).',
    });
  }
}
