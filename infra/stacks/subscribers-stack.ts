import { fileURLToPath } from 'node:url';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { Subscriber } from '../constructs/subscriber';

export interface SubscribersStackProps extends StackProps {
  readonly config: StageConfig;
  readonly itemsTable: ITable;
  readonly eventBus: IEventBus;
  /** Languages every item is translated into (default `en`). */
  readonly targetLanguages?: readonly string[];
}

function entry(name: string): string {
  return fileURLToPath(new URL(`../../functions/${name}/handler.ts`, import.meta.url));
}

/** The product's own subscribers: each is a rule on the bus, a function and a dead-letter queue. */
export class SubscribersStack extends Stack {
  readonly translator: Subscriber;

  constructor(scope: Construct, id: string, props: SubscribersStackProps) {
    super(scope, id, props);
    const { config, itemsTable, eventBus } = props;
    const targetLanguages = props.targetLanguages ?? ['en'];

    this.translator = new Subscriber(this, 'Translator', {
      config,
      name: 'translator',
      description: 'Translates new and corrected items into the target languages with Amazon Translate.',
      entry: entry('translator'),
      bus: eventBus,
      detailTypes: ['NewsItemPublished', 'NewsItemCorrected'],
      // Items already in a target language never reach the function.
      detail: { language: [{ 'anything-but': [...targetLanguages] }] },
      memorySize: 512,
      timeout: Duration.seconds(120),
      environment: {
        ITEMS_TABLE_NAME: itemsTable.tableName,
        EVENT_BUS_NAME: eventBus.eventBusName,
        TARGET_LANGUAGES: targetLanguages.join(','),
        TRANSLATION_PROVIDER: 'aws',
        // The claim lease must outlive one invocation (timeout above).
        TRANSLATION_LEASE_SECONDS: '300',
      },
    });
    const fn = this.translator.fn;
    fn.allow(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
      ],
      [itemsTable.tableArn],
    );
    fn.allow(['events:PutEvents'], [eventBus.eventBusArn]);
    // Amazon Translate has no resource-level permissions for real-time translation (acknowledged in
    // nag-suppressions.ts); the source language is always given, so Comprehend is never called.
    fn.allow(['translate:TranslateText', 'translate:TranslateDocument'], ['*']);
  }
}
