import { optionalEnv, requireEnv } from '#shared/adapters/env.ts';
import { parseTargetLanguages } from '#shared/domain/translation/decision.ts';
import type { TranslationProvider } from '#shared/domain/translation/model.ts';
import type { TranslatorSettings } from '#shared/domain/translation/service.ts';

export interface TranslatorConfig {
  itemsTableName: string;
  eventBusName: string;
  settings: TranslatorSettings;
}

const PROVIDERS: readonly TranslationProvider[] = ['aws', 'none'];
/** Default claim lease; the function timeout must stay below it (see docs/translation.md). */
const DEFAULT_LEASE_SECONDS = 300;

/** Reads and checks the translator's environment once; throws (fails the cold start) when it is wrong. */
export function readTranslatorConfig(env: NodeJS.ProcessEnv = process.env): TranslatorConfig {
  const provider = optionalEnv('TRANSLATION_PROVIDER', 'aws', env);
  if (!PROVIDERS.includes(provider as TranslationProvider)) {
    throw new RangeError(`TRANSLATION_PROVIDER must be one of ${PROVIDERS.join(', ')}, got "${provider}"`);
  }
  const leaseSeconds = Number(optionalEnv('TRANSLATION_LEASE_SECONDS', String(DEFAULT_LEASE_SECONDS), env));
  if (!Number.isInteger(leaseSeconds) || leaseSeconds < 1) {
    throw new RangeError('TRANSLATION_LEASE_SECONDS must be a positive integer');
  }
  return {
    itemsTableName: requireEnv('ITEMS_TABLE_NAME', env),
    eventBusName: requireEnv('EVENT_BUS_NAME', env),
    settings: {
      targetLanguages: parseTargetLanguages(env.TARGET_LANGUAGES),
      provider: provider as TranslationProvider,
      leaseMs: leaseSeconds * 1000,
    },
  };
}
