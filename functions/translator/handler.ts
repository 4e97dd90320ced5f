import { dynamoDb } from '#shared/adapters/clients/dynamodb.ts';
import { translate } from '#shared/adapters/clients/translate.ts';
import { DynamoItemReader } from '#shared/adapters/dynamodb/item-store.ts';
import { DynamoTranslationStore } from '#shared/adapters/dynamodb/translation-store.ts';
import { logMetrics } from '#shared/adapters/metrics.ts';
import { logger, metrics } from '#shared/adapters/observability.ts';
import { AmazonTranslator } from '#shared/adapters/translate/amazon-translator.ts';
import { TranslationService } from '#shared/domain/translation/service.ts';
import { readTranslatorConfig } from './config';
import { createTranslatorHandler } from './translator';

const config = readTranslatorConfig();

const service = new TranslationService({
  // Only getHead and getVersion are used: the translator reads items, never writes them.
  items: new DynamoItemReader(dynamoDb, config.itemsTableName),
  // Also the outbox of NewsItemTranslated: the items table's stream publishes what it announces.
  store: new DynamoTranslationStore(dynamoDb, config.itemsTableName),
  ...(config.settings.provider === 'aws' ? { translator: new AmazonTranslator(translate) } : {}),
  settings: config.settings,
});

/** EventBridge rule target for NewsItemPublished and NewsItemCorrected of items not in a target language. */
export const handler = createTranslatorHandler({ service, logger, metrics }).use(
  logMetrics(metrics, { captureColdStartMetric: true }),
);
