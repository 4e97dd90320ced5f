import type { Logger } from '#shared/adapters/logger.ts';
import { type Metrics, MetricUnit } from '#shared/adapters/metrics.ts';
import { defineSubscriber, type SubscriberHandler } from '#shared/adapters/subscriber/index.ts';
import type { NewsItemDetailV1 } from '#shared/contracts/events/index.ts';
import type { TranslationService } from '#shared/domain/translation/service.ts';

export interface TranslatorHandlerDeps {
  service: TranslationService;
  logger?: Logger;
  metrics?: Metrics;
}

/**
 * Added to the invocation's remaining time to make its claims' lease: covers clock differences
 * between hosts, and stays far below the minute before Lambda's first retry.
 */
export const LEASE_CLOCK_MARGIN_MS = 5_000;

/** The translator's subscriber name (logs). */
export const TRANSLATOR_SUBSCRIBER = 'translator';

/**
 * NewsItemPublished / NewsItemCorrected -> one translation per configured target language.
 * NewsItemEmbargoed (the translator opts in to held versions) -> the same translations, recorded
 * but not announced until the version's release (see TranslationService.translateVersion).
 * NewsItemTranslated is published by the items table's outbox, from the row that records the outcome.
 * No dedupe store: the translation store's claim per (item, version, language) is the finer
 * exactly-once guard, and it also lets the release event announce an outcome recorded while held.
 */
export function createTranslatorHandler({
  service,
  logger,
  metrics,
}: TranslatorHandlerDeps): SubscriberHandler {
  return defineSubscriber({
    name: TRANSLATOR_SUBSCRIBER,
    detailType: ['NewsItemPublished', 'NewsItemCorrected', 'NewsItemEmbargoed'],
    ...(logger === undefined ? {} : { logger }),
    handle: async (detail: NewsItemDetailV1, ctx) => {
      const held = ctx.detailType === 'NewsItemEmbargoed';
      // The retraction of an item that was never public: nothing to translate, nothing will be released.
      if (held && detail.pubstatus === 'canceled') return;
      // Claims last no longer than this invocation can (see translateVersion).
      const leaseMs = ctx.lambdaContext.getRemainingTimeInMillis() + LEASE_CLOCK_MARGIN_MS;
      const outcomes = await service.translateVersion(detail, { held, leaseMs });
      if (outcomes.length === 0) {
        ctx.logger.info('Already in every target language; nothing to translate', {
          language: detail.language,
        });
      }
      for (const outcome of outcomes) {
        ctx.logger.info('Translation outcome', { version: detail.version, ...outcome });
        if (outcome.outcome === 'translated') {
          metrics?.addMetric('TranslationsCompleted', MetricUnit.Count, 1);
          metrics?.addMetric('CharactersTranslated', MetricUnit.Count, outcome.charactersBilled);
        } else if (outcome.outcome === 'skipped') {
          metrics?.addMetric('TranslationsSkipped', MetricUnit.Count, 1);
        }
      }
    },
  });
}
