import type { ItemHead, ItemVersion } from '../item';
import type { Translation, TranslationKey } from './model';

/** Read-only access to items: the translator never writes an item. */
export interface ItemReader {
  getHead(itemId: string): Promise<ItemHead | undefined>;
  getVersion(itemId: string, version: number): Promise<ItemVersion | undefined>;
}

export interface TranslateRequest {
  text: string;
  sourceLanguage: string;
  targetLanguage: string;
  /** `text/html` keeps markup; anything else is translated as plain text. */
  contentType?: string;
}

export interface TranslateResult {
  text: string;
}

/**
 * A machine translation engine, one request per call: plain text of at most MAX_TEXT_BYTES UTF-8
 * bytes, or an HTML chunk (`contentType: text/html`) of at most MAX_DOCUMENT_BYTES. Planning the
 * requests (packing, chunking) is the domain's job (packing.ts), so every call is counted there.
 */
export interface TextTranslator {
  translate(request: TranslateRequest): Promise<TranslateResult>;
}

/** The provider cannot translate between these languages: retrying will not help. */
export class UnsupportedLanguagePairError extends Error {
  constructor(
    readonly sourceLanguage: string,
    readonly targetLanguage: string,
    options?: { cause?: unknown },
  ) {
    super(`Unsupported language pair ${sourceLanguage}->${targetLanguage}`, options);
    this.name = 'UnsupportedLanguagePairError';
  }
}

/** The provider refused the request itself as invalid: the same request will always be refused. */
export class ProviderRefusedError extends Error {
  constructor(
    readonly errorName: string,
    options?: { cause?: unknown },
  ) {
    super(`The translation provider refused the request (${errorName})`, options);
    this.name = 'ProviderRefusedError';
  }
}

/** The result of trying to claim a translation key. */
export type ClaimOutcome =
  /** The caller owns the key until the lease ends: translate, then `complete`. */
  | { claimed: true; token: string }
  /** An outcome is recorded already; `announced` tells whether its NewsItemTranslated was announced. */
  | { claimed: false; state: 'done'; translation: Translation; announced: boolean }
  /** Another invocation holds a live lease on the key. */
  | { claimed: false; state: 'busy'; leaseUntil: number };

/**
 * Where translations are stored. Claims make the translation of one (item, version, language)
 * happen once even when events are duplicated or redelivered concurrently.
 *
 * The store is also the outbox of NewsItemTranslated: announcing an outcome is a write to its row
 * (`announcedAt`), and the items table's stream publishes the event (the outbox publisher). So an
 * outcome and its announcement cannot part: no event is lost between the write and the bus.
 */
export interface TranslationStore {
  /** Claims `key` with a lease of `leaseMs` unless an outcome exists or a live lease is held. */
  claim(key: TranslationKey, leaseMs: number): Promise<ClaimOutcome>;
  /**
   * Records the outcome of a claimed key, announced in the same write unless `announce` is false
   * (a held version: announced at its release); throws LeaseLostError if the claim is no longer ours.
   */
  complete(translation: Translation, token: string, options: { announce: boolean }): Promise<void>;
  /** Gives a claimed key up (after a failure) so a retry can claim it at once. */
  release(key: TranslationKey, token: string): Promise<void>;
  /**
   * Announces a recorded outcome that was not announced (its version was held and is public now).
   * Returns false when it was announced already: of concurrent duplicates, exactly one announces.
   */
  announce(key: TranslationKey): Promise<boolean>;
  /** The translation into `language` of the latest version that was translated. */
  get(itemId: string, language: string): Promise<Translation | undefined>;
  /** The recorded outcome (translated or skipped) of one version in one language. */
  getVersion(itemId: string, version: number, language: string): Promise<Translation | undefined>;
}

/** Our claim expired and someone else took the key: the work is theirs now. */
export class LeaseLostError extends Error {
  constructor(key: TranslationKey) {
    super(`Lost the translation claim of ${key.itemId} v${key.version} ${key.language}`);
    this.name = 'LeaseLostError';
  }
}
