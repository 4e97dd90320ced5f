import type { ItemHead } from '../item';
import { SKIP_REASONS, type TranslationProvider } from './model';

/**
 * Regional variants Amazon Translate distinguishes (its supported language codes); every other
 * BCP 47 tag is sent as its primary language subtag (`ar-KW` -> `ar`).
 */
const PROVIDER_VARIANTS = new Set(['fa-af', 'fr-ca', 'es-mx', 'pt-pt', 'zh-tw']);
const TAG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;

/** Amazon Translate's language codes: 2 or 3 letters, or one of the regional variants. */
const PROVIDER_CODE = /^[a-z]{2,3}(?:-[A-Z]{2})?$/;

/**
 * Whether `tag` maps to a code the provider can take at all. Private-use (`x-…`) and irregular
 * grandfathered (`i-…`) tags are well-formed BCP 47, so ingest accepts them, but their one-letter
 * primary subtag fails Translate's validation on every call.
 */
export function hasProviderLanguageCode(tag: string): boolean {
  return PROVIDER_CODE.test(providerLanguageCode(tag));
}

/** The language code a translation provider understands for a BCP 47 tag. */
export function providerLanguageCode(tag: string): string {
  const lower = tag.toLowerCase();
  const [primary = lower, region] = lower.split('-');
  const variant = region === undefined ? undefined : `${primary}-${region}`;
  if (variant !== undefined && PROVIDER_VARIANTS.has(variant)) {
    return `${primary}-${region!.toUpperCase()}`;
  }
  return primary;
}

/**
 * Parses the TARGET_LANGUAGES setting: comma-separated BCP 47 tags (default `en`), normalised to
 * provider codes, deduplicated, in order. Throws on an invalid tag so a misconfigured function fails
 * at its cold start.
 */
export function parseTargetLanguages(setting: string | undefined): string[] {
  const raw = (setting ?? '').trim() === '' ? 'en' : setting!;
  const targets: string[] = [];
  for (const part of raw.split(',')) {
    const tag = part.trim();
    if (tag === '') continue;
    if (!TAG.test(tag)) throw new RangeError(`TARGET_LANGUAGES: "${tag}" is not a language tag`);
    const code = providerLanguageCode(tag);
    if (!targets.includes(code)) targets.push(code);
  }
  if (targets.length === 0) throw new RangeError('TARGET_LANGUAGES lists no language');
  return targets;
}

/** True when text in `sourceLanguage` needs no translation into `target` (same language). */
export function isSameLanguage(sourceLanguage: string, target: string): boolean {
  const source = providerLanguageCode(sourceLanguage);
  const wanted = providerLanguageCode(target);
  if (source === wanted) return true;
  // A provider variant target (fr-CA) still differs from the plain source (fr); plain targets match any region.
  return !wanted.includes('-') && source.split('-')[0] === wanted;
}

/** The targets a version in `sourceLanguage` must be translated into (all but its own language). */
export function targetsFor(sourceLanguage: string, targets: readonly string[]): string[] {
  return targets.filter((target) => !isSameLanguage(sourceLanguage, target));
}

export type TranslationPlan = { action: 'translate' } | { action: 'skip'; reason: string };

export interface PlanInput {
  /** The version the event is about. */
  version: number;
  /** Its language (BCP 47). */
  language: string;
  /** The item's head as it is now (strongly consistent read). */
  head: ItemHead;
  provider: TranslationProvider;
}

/**
 * What to do with one version of an item, given the item's current head:
 * - the item has been retracted (head canceled): skip, a retracted story must not be spread further;
 * - a newer version exists: skip, that version has its own event and will be translated;
 * - no provider is configured: skip, recorded as such (never a fake translation);
 * - the language has no provider code (`x-…`, `i-…`): skip, Translate would refuse every call;
 * - otherwise translate. A correction is a new version, so it is translated again.
 */
export function planTranslation({ version, language, head, provider }: PlanInput): TranslationPlan {
  if (head.pubstatus === 'canceled') return { action: 'skip', reason: SKIP_REASONS.retracted };
  if (head.version > version) return { action: 'skip', reason: SKIP_REASONS.superseded(head.version) };
  if (provider === 'none') return { action: 'skip', reason: SKIP_REASONS.noProvider };
  if (!hasProviderLanguageCode(language))
    return { action: 'skip', reason: SKIP_REASONS.noProviderCode(language) };
  return { action: 'translate' };
}
