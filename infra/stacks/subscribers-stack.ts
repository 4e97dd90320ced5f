import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ITEM_PK_PREFIX, TRANSLATION_PK_PREFIX } from '#shared/adapters/dynamodb/table-design.ts';
import { EMBARGOED_EVENT_SOURCE, EVENT_SOURCE } from '#shared/contracts/events/index.ts';
import type { StageConfig } from '../config';
import { DeliveryQueue } from '../constructs/delivery-queue';
import { DiplowireFunction } from '../constructs/diplowire-function';
import { Subscriber } from '../constructs/subscriber';

export interface SubscribersStackProps extends StackProps {
  readonly config: StageConfig;
  readonly itemsTable: ITable;
  readonly webhooksTable: ITable;
  /** Fan-out and dispatch read partner profiles to refuse revoked partners' subscriptions. */
  readonly partnersTable: ITable;
  readonly eventBus: IEventBus;
  /** Languages every item is translated into (default `en`). */
  readonly targetLanguages?: readonly string[];
}

function entry(name: string): string {
  return fileURLToPath(new URL(`../../functions/${name}/handler.ts`, import.meta.url));
}

/** The detail-types partners can subscribe to with webhooks (docs/webhooks.md). */
export const WEBHOOK_DETAIL_TYPES = [
  'NewsItemPublished',
  'NewsItemCorrected',
  'NewsItemRetracted',
  'NewsItemTranslated',
] as const;

/** Partner profile rows only (`PARTNER#<id>`): never the key rows. */
const PARTNER_PROFILES_ONLY = {
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PARTNER#*'] },
};

/** Each send is capped at 15 s and a batch of 10 is sent concurrently; the rest is storage calls. */
const DISPATCHER_TIMEOUT = Duration.seconds(60);

/**
 * Concurrency bounds of the background functions, against the default account limit of 1,000
 * (the arithmetic is in docs/operations.md, "Concurrency"). Receivers that hang for 15 s can hold
 * at most the dispatcher's share; everything unreserved stays for the API and the stream consumers.
 */
/**
 * The translator's timeout. Its claims last no longer than the invocation can (remaining time), and
 * TRANSLATION_LEASE_SECONDS is set to it as well, so a run the timeout kills leaves a claim that has
 * lapsed when Lambda retries the event about a minute later (docs/translation.md).
 */
export const TRANSLATOR_TIMEOUT_SECONDS = 120;

export const CONCURRENCY = {
  /** Concurrent batches the deliveries queue mapping runs (SQS ScalingConfig.MaximumConcurrency). */
  dispatcherMaxConcurrency: 20,
  /** Above the mapping's bound: reserved concurrency below it would throttle the poller's own batches. */
  dispatcherReserved: 25,
  translatorReserved: 10,
  webhookFanoutReserved: 10,
} as const;

/**
 * The product's own subscribers: the translator, and webhooks (a fan-out subscriber that creates one
 * delivery per matching subscription, a deliveries queue, and the dispatcher that consumes it).
 */
export class SubscribersStack extends Stack {
  readonly translator: Subscriber;
  readonly webhookFanout: Subscriber;
  readonly deliveries: DeliveryQueue;
  readonly webhookDispatcher: DiplowireFunction;
  readonly dispatcherMapping: EventSourceMapping;

  constructor(scope: Construct, id: string, props: SubscribersStackProps) {
    super(scope, id, props);
    const { config, itemsTable, webhooksTable, partnersTable, eventBus } = props;
    const targetLanguages = props.targetLanguages ?? ['en'];

    this.translator = new Subscriber(this, 'Translator', {
      config,
      name: 'translator',
      description: 'Translates new and corrected items into the target languages with Amazon Translate.',
      entry: entry('translator'),
      bus: eventBus,
      // Opts in to held versions: translated during the embargo, announced at release.
      sources: [EVENT_SOURCE, EMBARGOED_EVENT_SOURCE],
      detailTypes: ['NewsItemPublished', 'NewsItemCorrected', 'NewsItemEmbargoed'],
      // Items already in a target language never reach the function.
      detail: { language: [{ 'anything-but': [...targetLanguages] }] },
      memorySize: 512,
      timeout: Duration.seconds(TRANSLATOR_TIMEOUT_SECONDS),
      // Translate's own quota (requests/s per account) is the real limit: more would only be throttled.
      reservedConcurrency: CONCURRENCY.translatorReserved,
      environment: {
        ITEMS_TABLE_NAME: itemsTable.tableName,
        TARGET_LANGUAGES: targetLanguages.join(','),
        TRANSLATION_PROVIDER: 'aws',
        // The longest a claim is held: no longer than an invocation can live (timeout above).
        TRANSLATION_LEASE_SECONDS: String(TRANSLATOR_TIMEOUT_SECONDS),
      },
    });
    const fn = this.translator.fn;
    // It reads items and writes only its own TRANSLATION# partitions: a compromised translator
    // cannot write a version row into an item partition, and a row of its own partitions can only
    // ever become NewsItemTranslated. It has no access to the bus: the items table's outbox
    // publishes the outcomes it announces.
    fn.allow(['dynamodb:GetItem', 'dynamodb:Query'], [itemsTable.tableArn], {
      'ForAllValues:StringLike': {
        'dynamodb:LeadingKeys': [`${ITEM_PK_PREFIX}*`, `${TRANSLATION_PK_PREFIX}*`],
      },
    });
    fn.allow(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], [itemsTable.tableArn], {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${TRANSLATION_PK_PREFIX}*`] },
    });
    // Amazon Translate has no resource-level permissions for real-time translation (acknowledged in
    // nag-suppressions.ts); the source language is always given, so Comprehend is never called.
    fn.allow(['translate:TranslateText', 'translate:TranslateDocument'], ['*']);

    this.deliveries = new DeliveryQueue(this, 'WebhookDeliveries', { config });
    const deliveryQueue = this.deliveries.queue;
    const webhooksEnvironment = {
      WEBHOOKS_TABLE_NAME: webhooksTable.tableName,
      DELIVERY_QUEUE_URL: deliveryQueue.queueUrl,
      PARTNERS_TABLE_NAME: partnersTable.tableName,
    };

    this.webhookFanout = new Subscriber(this, 'WebhookFanout', {
      config,
      name: 'webhook-fanout',
      description: 'Item and translation events -> one webhook delivery per matching subscription.',
      entry: entry('webhook-fanout'),
      bus: eventBus,
      detailTypes: [...WEBHOOK_DETAIL_TYPES],
      environment: webhooksEnvironment,
      reservedConcurrency: CONCURRENCY.webhookFanoutReserved,
    });
    // findMatches (Query on match rows), createDelivery (a transaction of Puts; GetItem of the existing
    // delivery when the event is a duplicate), markEnqueued (UpdateItem). The base table only, and only
    // match and delivery partitions: never a subscription's partition, where its signing secrets are.
    this.webhookFanout.fn.allow(
      ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      [webhooksTable.tableArn],
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['MATCH#*', 'DLV#*'] } },
    );
    this.webhookFanout.fn.allow(['sqs:SendMessage'], [deliveryQueue.queueArn]);
    this.webhookFanout.fn.allow(['dynamodb:GetItem'], [partnersTable.tableArn], PARTNER_PROFILES_ONLY);

    this.webhookDispatcher = new DiplowireFunction(this, 'WebhookDispatcher', {
      config,
      name: 'webhook-dispatcher',
      description: 'Webhook deliveries queue -> signed POSTs to partner endpoints, with durable retries.',
      entry: entry('webhook-dispatcher'),
      memorySize: 256,
      timeout: DISPATCHER_TIMEOUT,
      reservedConcurrency: CONCURRENCY.dispatcherReserved,
      environment: {
        ...webhooksEnvironment,
        // WEBHOOK_RETRY_SCHEDULE is left unset: the Standard Webhooks schedule of docs/webhooks.md.
        WEBHOOK_DISABLE_AFTER_SECONDS: String(5 * 24 * 3600),
        // Deployed stages never send to loopback addresses (the local cloud overrides this variable).
        WEBHOOKS_ALLOW_LOOPBACK: 'false',
      },
    });
    // Reads are Queries of a delivery or subscription partition (plus GetItem before recording an
    // attempt); claims, attempts, failing runs and cancellations are updates; disabling a subscription
    // deletes its match rows in a transaction. It never creates rows and never reads the index.
    this.webhookDispatcher.allow(
      ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      [webhooksTable.tableArn],
    );
    this.webhookDispatcher.allow(
      [
        // Retries go back on the queue with a delay.
        'sqs:SendMessage',
        // The event source mapping polls with the function's role.
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ChangeMessageVisibility',
      ],
      [deliveryQueue.queueArn],
    );
    this.webhookDispatcher.allow(['dynamodb:GetItem'], [partnersTable.tableArn], PARTNER_PROFILES_ONLY);
    this.dispatcherMapping = new EventSourceMapping(this.webhookDispatcher, 'DeliveriesMapping', {
      target: this.webhookDispatcher.function,
      eventSourceArn: deliveryQueue.queueArn,
      batchSize: 10,
      // At most 20 batches (200 sends) in flight however long receivers take; messages beyond that
      // wait in the queue instead of being throttled back to it.
      maxConcurrency: CONCURRENCY.dispatcherMaxConcurrency,
      // Only the messages that failed are retried; the attempts of the others are recorded.
      reportBatchItemFailures: true,
    });
    // The mapping is validated against the role at creation: create it after the role's policy.
    this.dispatcherMapping.node.addDependency(this.webhookDispatcher.role);

    new CfnOutput(this, 'WebhookDeliveriesQueueUrl', {
      value: deliveryQueue.queueUrl,
      description:
        'The deliveries queue: npm run ops -- subscriptions enable --redeliver-since enqueues here.',
    });
  }
}
