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
  /** An outcome is recorded already; `published` tells whether its event went out. */
  | { claimed: false; state: 'done'; translation: Translation; published: boolean }
  /** Another invocation holds a live lease on the key. */
  | { claimed: false; state: 'busy'; leaseUntil: number };

/** The result of trying to take the right to publish a recorded outcome's event. */
export type PublishClaim =
  /** The caller publishes, then `markPublished` (or `releasePublish` after a failure). */
  | { claimed: true; token: string }
  /** Its event went out already. */
  | { claimed: false; published: true }
  /** Another invocation is publishing it (its lease is live). */
  | { claimed: false; published: false; leaseUntil: number };

/**
 * Where translations are stored. Claims make the translation of one (item, version, language)
 * happen once even when events are duplicated or redelivered concurrently.
 */
export interface TranslationStore {
  /** Claims `key` with a lease of `leaseMs` unless an outcome exists or a live lease is held. */
  claim(key: TranslationKey, leaseMs: number): Promise<ClaimOutcome>;
  /**
   * Records the outcome of a claimed key, and with it the right to publish its event for
   * `publishLeaseMs` (under the same token); throws LeaseLostError if the claim is no longer ours.
   */
  complete(translation: Translation, token: string, publishLeaseMs: number): Promise<void>;
  /** Gives a claimed key up (after a failure) so a retry can claim it at once. */
  release(key: TranslationKey, token: string): Promise<void>;
  /**
   * Takes the right to publish a recorded outcome whose event has not gone out, unless another
   * invocation holds it: of concurrent duplicates, one publishes.
   */
  claimPublish(key: TranslationKey, leaseMs: number): Promise<PublishClaim>;
  /** Gives the right to publish up (the publish failed) so a retry can take it at once. */
  releasePublish(key: TranslationKey, token: string): Promise<void>;
  /** Notes that the NewsItemTranslated event of the key was published. */
  markPublished(key: TranslationKey): Promise<void>;
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

/** Publishes NewsItemTranslated; throws when the event could not be put on the bus. */
export interface TranslationEventPublisher {
  publishTranslated(translation: Translation): Promise<void>;
}
