import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { CURSOR_KEY_ROW } from '#shared/adapters/dynamodb/cursor-key.ts';
import { PARTNER_PK_PREFIX, RATE_PK_PREFIX } from '#shared/adapters/dynamodb/table-design.ts';
import type { StageConfig } from '../config';
import { DiplowireFunction } from '../constructs/diplowire-function';
import { EmbargoRelease } from '../constructs/embargo-release';
import { FeedProjector } from '../constructs/feed-projector';
import { DiplowireHttpApi } from '../constructs/http-api';
import { OutboxPublisher } from '../constructs/outbox-publisher';

export type FunctionName =
  | 'authorizer'
  | 'items-write'
  | 'items-read'
  | 'subscriptions-api'
  | 'outbox-publisher'
  | 'feed-api'
  | 'feed-projector'
  | 'embargo-release'
  | 'embargo-schedules';

/** Absolute path of `functions/<name>/handler.ts`. */
export function handlerEntry(name: FunctionName): string {
  return fileURLToPath(new URL(`../../functions/${name}/handler.ts`, import.meta.url));
}

export interface ApiStackProps extends StackProps {
  readonly config: StageConfig;
  readonly itemsTable: ITable;
  readonly partnersTable: ITable;
  readonly webhooksTable: ITable;
  readonly eventBus: IEventBus;
  /** The webhook deliveries queue (subscribers stack): redeliveries are enqueued on it. */
  readonly deliveryQueue: IQueue;
}

/** Synchronous API calls stay well under the gateway's 30 s integration limit. */
const API_TIMEOUT = Duration.seconds(10);
/** 20 s of long-poll plus the page itself, under the gateway's 30 s. */
const FEED_API_TIMEOUT = Duration.seconds(26);

/**
 * The stateless half: functions, HTTP API and the outbox relay. Nothing here holds data that
 * cannot be rebuilt, so it can be redeployed or replaced at will.
 */
export class ApiStack extends Stack {
  readonly authorizer: DiplowireFunction;
  readonly itemsWrite: DiplowireFunction;
  readonly itemsRead: DiplowireFunction;
  readonly subscriptionsApi: DiplowireFunction;
  readonly outboxPublisher: DiplowireFunction;
  readonly httpApi: DiplowireHttpApi;
  readonly outbox: OutboxPublisher;
  readonly feedApi: DiplowireFunction;
  readonly feedProjector: FeedProjector;
  readonly embargo: EmbargoRelease;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, itemsTable, partnersTable, webhooksTable, eventBus, deliveryQueue } = props;

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
    // Each partner's share of the API (shared/domain/rate-limit.ts), one row per partner shared by every API function.
    const partnerShareEnvironment = {
      PARTNER_RATE_LIMIT: config.partnerRateLimit,
      PARTNERS_TABLE_NAME: partnersTable.tableName,
    };
    const allowPartnerShare = (fn: DiplowireFunction) =>
      fn.allow(['dynamodb:UpdateItem'], [partnersTable.tableArn], {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${RATE_PK_PREFIX}*`] },
      });
    this.itemsWrite = new DiplowireFunction(this, 'ItemsWrite', {
      config,
      name: 'items-write',
      description: 'POST /v1/items, PUT and DELETE /v1/items/{id}: validate, version and store news items.',
      entry: handlerEntry('items-write'),
      memorySize: 256,
      timeout: API_TIMEOUT,
      environment: { ...itemsEnvironment, ...partnerShareEnvironment },
    });
    allowPartnerShare(this.itemsWrite);
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
      description:
        'GET /v1/items, GET /v1/items/{id}[/versions[/{version}]], GET /v1/items/{id}/translations/{lang} and the 405/404 fallbacks.',
      entry: handlerEntry('items-read'),
      memorySize: 256,
      timeout: API_TIMEOUT,
      environment: { ...itemsEnvironment, ...partnerShareEnvironment },
    });
    allowPartnerShare(this.itemsRead);
    // Heads and versions (GetItem), version lists and the latest translation (Query).
    this.itemsRead.allow(['dynamodb:GetItem', 'dynamodb:Query'], [itemsTable.tableArn]);
    // The partner's item listing, by last change.
    this.itemsRead.allow(['dynamodb:Query'], [`${itemsTable.tableArn}/index/GSI1`]);
    // The cursor key only (GetItem); the first cold start anywhere creates it (PutItem).
    this.itemsRead.allow(['dynamodb:GetItem', 'dynamodb:PutItem'], [partnersTable.tableArn], {
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [CURSOR_KEY_ROW.PK.S] },
    });

    this.subscriptionsApi = new DiplowireFunction(this, 'SubscriptionsApi', {
      config,
      name: 'subscriptions-api',
      description:
        '/v1/subscriptions...: register, list, rotate and delete webhooks; list and redeliver deliveries.',
      entry: handlerEntry('subscriptions-api'),
      memorySize: 256,
      timeout: API_TIMEOUT,
      environment: {
        WEBHOOKS_TABLE_NAME: webhooksTable.tableName,
        DELIVERY_QUEUE_URL: deliveryQueue.queueUrl,
        ...partnerShareEnvironment,
        // Deployed stages never accept loopback receivers (the local cloud overrides this variable).
        WEBHOOKS_REQUIRE_HTTPS: config.stage === 'prod' ? 'true' : 'false',
        WEBHOOKS_ALLOW_LOOPBACK: 'false',
        WEBHOOK_SECRET_ROTATION_SECONDS: String(24 * 3600),
      },
    });
    // Exactly the calls of the subscription and delivery stores the subscriptions service makes: create and delete are
    // transactions (Put/Update/Delete items), rotation and redelivery are updates, reads are Get/Query.
    this.subscriptionsApi.allow(
      [
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ],
      [webhooksTable.tableArn],
    );
    // Listing subscriptions and deliveries pages through GSI1.
    this.subscriptionsApi.allow(['dynamodb:Query'], [`${webhooksTable.tableArn}/index/GSI1`]);
    this.subscriptionsApi.allow(['sqs:SendMessage'], [deliveryQueue.queueArn]);
    allowPartnerShare(this.subscriptionsApi);

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

    this.feedApi = new DiplowireFunction(this, 'FeedApi', {
      config,
      name: 'feed-api',
      description: 'GET /v1/feed: the consumer feed, with cursors, filters, entitlements and long-poll.',
      entry: handlerEntry('feed-api'),
      memorySize: 512,
      // A long-poll holds a request for up to 20 s; the gateway gives up at 30 s.
      timeout: FEED_API_TIMEOUT,
      environment: { ...itemsEnvironment, ...partnerShareEnvironment },
    });
    allowPartnerShare(this.feedApi);
    // Feed rows (Query), documents and translations (BatchGetItem), since= search (GetItem).
    this.feedApi.allow(
      ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'],
      [itemsTable.tableArn],
    );
    // Entitlements (in the partner's partition) and the cursor key (GetItem); the first cold start
    // creates the key (PutItem). Never a key row: a feed function cannot mint or read API keys.
    this.feedApi.allow(['dynamodb:GetItem'], [partnersTable.tableArn], {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${PARTNER_PK_PREFIX}*`, CURSOR_KEY_ROW.PK.S] },
    });
    this.feedApi.allow(['dynamodb:PutItem'], [partnersTable.tableArn], {
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [CURSOR_KEY_ROW.PK.S] },
    });

    const feedProjectorFunction = new DiplowireFunction(this, 'FeedProjectorFunction', {
      config,
      name: 'feed-projector',
      description: 'Items table stream (new versions, completed translations) -> the consumer feed.',
      entry: handlerEntry('feed-projector'),
      memorySize: 256,
      timeout: Duration.seconds(60),
      environment: itemsEnvironment,
    });
    this.feedProjector = new FeedProjector(this, 'FeedProjector', {
      config,
      projector: feedProjectorFunction,
      itemsTable,
    });

    this.httpApi = new DiplowireHttpApi(this, 'Api', {
      config,
      authorizer: this.authorizer.function,
      functions: {
        'items-write': this.itemsWrite.function,
        'items-read': this.itemsRead.function,
        'subscriptions-api': this.subscriptionsApi.function,
        'feed-api': this.feedApi.function,
      },
    });

    this.outbox = new OutboxPublisher(this, 'Outbox', {
      config,
      publisher: this.outboxPublisher,
      itemsTable,
      eventBus,
    });

    this.embargo = new EmbargoRelease(this, 'Embargo', {
      config,
      itemsTable,
      eventBus,
      entries: { release: handlerEntry('embargo-release'), schedules: handlerEntry('embargo-schedules') },
    });

    new CfnOutput(this, 'ApiUrl', {
      value: this.httpApi.stage.url,
      description: 'Base URL of the partner API.',
    });
    new CfnOutput(this, 'OutboxDeadLetterQueueUrl', { value: this.outbox.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'OutboxPublisherFunctionName', {
      value: this.outboxPublisher.function.functionName,
      description: 'Its IteratorAge is the outbox lag (npm run ops -- status).',
    });
  }
}
