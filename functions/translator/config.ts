import { optionalEnv, requireEnv } from '#shared/adapters/env.ts';
import { parseTargetLanguages } from '#shared/domain/translation/decision.ts';
import type { TranslationProvider } from '#shared/domain/translation/model.ts';
import type { TranslatorSettings } from '#shared/domain/translation/service.ts';

export interface TranslatorConfig {
  itemsTableName: string;
  settings: TranslatorSettings;
}

const PROVIDERS: readonly TranslationProvider[] = ['aws', 'none'];
/**
 * The longest a claim is held: Lambda's largest timeout. Each invocation holds its claims no longer
 * than its remaining time (translator.ts), which is what makes a retry after a timeout able to take
 * over; the stack sets this to the function's timeout as well (docs/translation.md).
 */
const DEFAULT_LEASE_SECONDS = 900;

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
    settings: {
      targetLanguages: parseTargetLanguages(env.TARGET_LANGUAGES),
      provider: provider as TranslationProvider,
      leaseMs: leaseSeconds * 1000,
    },
  };
}
