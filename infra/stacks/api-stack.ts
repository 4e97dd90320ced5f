import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { DiplowireFunction } from '../constructs/diplowire-function';
import { DiplowireHttpApi } from '../constructs/http-api';
import { OutboxPublisher } from '../constructs/outbox-publisher';

export type FunctionName = 'authorizer' | 'items-write' | 'items-read' | 'outbox-publisher';

/** Absolute path of `functions/<name>/handler.ts`. */
export function handlerEntry(name: FunctionName): string {
  return fileURLToPath(new URL(`../../functions/${name}/handler.ts`, import.meta.url));
}

export interface ApiStackProps extends StackProps {
  readonly config: StageConfig;
  readonly itemsTable: ITable;
  readonly partnersTable: ITable;
  readonly eventBus: IEventBus;
}

/** Synchronous API calls stay well under the gateway's 30 s integration limit. */
const API_TIMEOUT = Duration.seconds(10);

/**
 * The stateless half: functions, HTTP API and the outbox relay. Nothing here holds data that
 * cannot be rebuilt, so it can be redeployed or replaced at will.
 */
export class ApiStack extends Stack {
  readonly authorizer: DiplowireFunction;
  readonly itemsWrite: DiplowireFunction;
  readonly itemsRead: DiplowireFunction;
  readonly outboxPublisher: DiplowireFunction;
  readonly httpApi: DiplowireHttpApi;
  readonly outbox: OutboxPublisher;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, itemsTable, partnersTable, eventBus } = props;

    this.authorizer = new DiplowireFunction(this, 'Authorizer', {
      config,
      name: 'authorizer',
      description: 'HTTP API Lambda authorizer: resolves a Bearer API key to its partner.',
      entry: handlerEntry('authorizer'),
      memorySize: 128,
      timeout: API_TIMEOUT,
      environment: { PARTNERS_TABLE_NAME: partnersTable.tableName },
    });
    this.authorizer.allow(['dynamodb:GetItem'], [partnersTable.tableArn]);

    const itemsEnvironment = { ITEMS_TABLE_NAME: itemsTable.tableName };
    this.itemsWrite = new DiplowireFunction(this, 'ItemsWrite', {
      config,
      name: 'items-write',
      description: 'POST /v1/items, PUT and DELETE /v1/items/{id}: validate, version and store news items.',
      entry: handlerEntry('items-write'),
      memorySize: 256,
      timeout: API_TIMEOUT,
      environment: itemsEnvironment,
    });
    // TransactWriteItems is authorised by the per-item actions it contains.
    this.itemsWrite.allow(
      [
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:ConditionCheckItem',
      ],
      [itemsTable.tableArn],
    );

    this.itemsRead = new DiplowireFunction(this, 'ItemsRead', {
      config,
      name: 'items-read',
      description: 'GET /v1/items/{id}[/versions[/{version}]] and the 405/404 fallback routes.',
      entry: handlerEntry('items-read'),
      memorySize: 256,
      timeout: API_TIMEOUT,
      environment: itemsEnvironment,
    });
    this.itemsRead.allow(['dynamodb:GetItem', 'dynamodb:Query'], [itemsTable.tableArn]);

    this.outboxPublisher = new DiplowireFunction(this, 'OutboxPublisher', {
      config,
      name: 'outbox-publisher',
      description: 'Items table stream (new versions) -> EventBridge item events.',
      entry: handlerEntry('outbox-publisher'),
      memorySize: 256,
      // A batch of 100 with backoff on throttled PutEvents entries.
      timeout: Duration.seconds(60),
      environment: { EVENT_BUS_NAME: eventBus.eventBusName },
    });

    this.httpApi = new DiplowireHttpApi(this, 'Api', {
      config,
      authorizer: this.authorizer.function,
      itemsWrite: this.itemsWrite.function,
      itemsRead: this.itemsRead.function,
    });

    this.outbox = new OutboxPublisher(this, 'Outbox', {
      config,
      publisher: this.outboxPublisher,
      itemsTable,
      eventBus,
    });

    new CfnOutput(this, 'ApiUrl', {
      value: this.httpApi.stage.url,
      description: 'Base URL of the partner API.',
    });
    new CfnOutput(this, 'OutboxDeadLetterQueueUrl', { value: this.outbox.deadLetterQueue.queueUrl });
  }
}
