import { NEWS_ITEM_TRANSLATED } from '../../contracts/events/names';
import type { NewsItemDetailV1 } from '../../contracts/events/news-item.v1';
import { assertEventDetail } from '../../contracts/events/validate';
import type { ItemHead } from '../item';
import { ChunkingError, utf8ByteLength } from './chunking';
import { planTranslation, providerLanguageCode, targetsFor } from './decision';
import { translatedDetailOf } from './event';
import {
  MAX_TRANSLATION_TEXT_BYTES,
  SKIP_REASONS,
  type TranslatedText,
  type Translation,
  type TranslationKey,
  type TranslationProvider,
} from './model';
import { TranslationTooLargeError, translateContent } from './packing';
import {
  type ItemReader,
  ProviderRefusedError,
  type TextTranslator,
  type TranslationStore,
  UnsupportedLanguagePairError,
} from './ports';

/** Another invocation is translating this key right now: retry later (the event is not lost). */
export class TranslationInProgressError extends Error {
  readonly retryable = true;
  constructor(
    readonly key: TranslationKey,
    readonly leaseUntil: number,
  ) {
    super(
      `Translation of ${key.itemId} v${key.version} into ${key.language} is in progress until ${new Date(leaseUntil).toISOString()}`,
    );
    this.name = 'TranslationInProgressError';
  }
}

/** The items table does not (yet) show the version the event is about: retry later. */
export class ItemNotReadableError extends Error {
  readonly retryable = true;
  constructor(itemId: string, version: number, detail: string) {
    super(`Cannot translate ${itemId} v${version}: ${detail}`);
    this.name = 'ItemNotReadableError';
  }
}

export interface TranslatorSettings {
  /** Provider language codes, e.g. ['en']. */
  targetLanguages: readonly string[];
  provider: TranslationProvider;
  /**
   * The longest a claim is held. An invocation holds it no longer than it can live (see
   * translateVersion's `leaseMs`), so that Lambda's retry after a timeout finds it lapsed.
   */
  leaseMs: number;
  /** Request limits (default: Amazon Translate's); smaller values only in tests. */
  maxTextBytes?: number;
  maxDocumentBytes?: number;
}

export interface TranslationServiceDeps {
  items: ItemReader;
  store: TranslationStore;
  /** Required when the provider is not 'none'. */
  translator?: TextTranslator;
  settings: TranslatorSettings;
  now?: () => Date;
}

export type TargetOutcome =
  | {
      language: string;
      outcome: 'translated' | 'skipped';
      charactersBilled: number;
      reason?: string;
      /** Provider calls made for this outcome (0 when skipped). */
      requests: number;
      /** Packed requests whose answer did not map back and were re-sent piecewise (logged by the handler). */
      fallbacks: number;
    }
  /**
   * Recorded before (a duplicate or redelivered event). `announced`: this call announced it (the
   * outcome of a held version, announced when its public event arrives).
   */
  | { language: string; outcome: 'duplicate'; announced: boolean };

interface ComputedOutcome {
  translation: Translation;
  requests: number;
  fallbacks: number;
}

interface SourceContent {
  headlines: TranslatedText[];
  bodies: TranslatedText[];
}

/**
 * Translates one version of an item into every configured target language that differs from its
 * own, exactly once per (item, version, language):
 *
 * claim (conditional write with a lease) -> decide (retracted / superseded / no provider -> skip)
 * -> translate -> record the outcome and announce it, in one write.
 *
 * Announcing is a write, not a PutEvents: the translation row is an outbox entry that the items
 * table's stream publishes as NewsItemTranslated (functions/outbox-publisher), so an outcome is
 * never recorded without its event. A duplicate finds the outcome recorded and makes no provider
 * call; one that finds a live lease throws TranslationInProgressError, so the event is retried
 * later rather than dropped. Every failure is thrown after releasing the claim, for the
 * EventBridge retry policy and its DLQ to take over.
 */
export class TranslationService {
  private readonly now: () => Date;

  constructor(private readonly deps: TranslationServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    if (deps.settings.provider !== 'none' && deps.translator === undefined) {
      throw new Error(`Translation provider "${deps.settings.provider}" needs a translator`);
    }
  }

  /** The target languages this version needs (none when it is already in every target language). */
  targetsOf(detail: Pick<NewsItemDetailV1, 'language'>): string[] {
    return targetsFor(detail.language, this.deps.settings.targetLanguages);
  }

  /**
   * `leaseMs`: how long this invocation can still run (its remaining time, plus a margin for
   * clocks). Claims last no longer than that: a run killed by its timeout leaves a claim that has
   * lapsed by the time Lambda retries the event (a minute or more later), so the retry translates
   * instead of finding it busy until the retries run out and the event lands in the DLQ. A live run
   * is never overtaken, since it cannot outlive its timeout.
   *
   * `held`: the version is not public yet (NewsItemEmbargoed). It is translated and recorded now,
   * so the translation is ready at release, but it is NOT announced: the version's public event
   * (at release) reaches this service again, finds the outcome recorded and unannounced, and
   * announces it then. A translation never goes out before its source.
   */
  async translateVersion(
    detail: NewsItemDetailV1,
    { held = false, leaseMs }: { held?: boolean; leaseMs?: number } = {},
  ): Promise<TargetOutcome[]> {
    const targets = this.targetsOf(detail);
    if (targets.length === 0) return [];
    const head = await this.deps.items.getHead(detail.itemId);
    if (head === undefined) throw new ItemNotReadableError(detail.itemId, detail.version, 'no item head');
    if (head.version < detail.version) {
      throw new ItemNotReadableError(detail.itemId, detail.version, `the head is still at v${head.version}`);
    }

    const outcomes: TargetOutcome[] = [];
    let content: SourceContent | undefined;
    for (const language of targets) {
      outcomes.push(
        await this.translateInto(detail, head, language, held, leaseMs, async () => {
          content ??= await this.sourceContentOf(detail);
          return content;
        }),
      );
    }
    return outcomes;
  }

  private async translateInto(
    detail: NewsItemDetailV1,
    head: ItemHead,
    language: string,
    held: boolean,
    invocationLeaseMs: number | undefined,
    loadContent: () => Promise<SourceContent>,
  ): Promise<TargetOutcome> {
    const key: TranslationKey = { itemId: detail.itemId, version: detail.version, language };
    const leaseMs = Math.max(
      1,
      Math.min(this.deps.settings.leaseMs, invocationLeaseMs ?? Number.POSITIVE_INFINITY),
    );
    const claim = await this.deps.store.claim(key, leaseMs);
    if (!claim.claimed) {
      if (claim.state === 'busy') throw new TranslationInProgressError(key, claim.leaseUntil);
      if (claim.announced || held) return { language, outcome: 'duplicate', announced: false };
      // Recorded while the version was held, and this is its public event: announce it now.
      return { language, outcome: 'duplicate', announced: await this.deps.store.announce(key) };
    }

    let outcome: ComputedOutcome;
    try {
      outcome = await this.outcomeOf(detail, head, language, loadContent);
      // The row is the event's outbox entry: a mapping bug fails here (and is retried), not downstream.
      assertEventDetail(NEWS_ITEM_TRANSLATED, translatedDetailOf(outcome.translation));
      await this.deps.store.complete(outcome.translation, claim.token, { announce: !held });
    } catch (error) {
      await this.deps.store.release(key, claim.token).catch(() => {
        // The lease runs out by itself; the original error is the one worth reporting.
      });
      throw error;
    }
    const { translation, requests, fallbacks } = outcome;
    return {
      language,
      outcome: translation.status,
      charactersBilled: translation.charactersBilled,
      ...(translation.reason === undefined ? {} : { reason: translation.reason }),
      requests,
      fallbacks,
    };
  }

  private async outcomeOf(
    detail: NewsItemDetailV1,
    head: ItemHead,
    language: string,
    loadContent: () => Promise<SourceContent>,
  ): Promise<ComputedOutcome> {
    const plan = planTranslation({
      version: detail.version,
      language: detail.language,
      head,
      provider: this.deps.settings.provider,
    });
    if (plan.action === 'skip') return this.skipped(detail, language, plan.reason);
    const translator = this.deps.translator!;
    const content = await loadContent();
    const sourceLanguage = providerLanguageCode(detail.language);
    const { maxTextBytes, maxDocumentBytes } = this.deps.settings;
    let translated: Awaited<ReturnType<typeof translateContent>>;
    try {
      translated = await translateContent(content, translator, {
        sourceLanguage,
        targetLanguage: language,
        ...(maxTextBytes === undefined ? {} : { maxTextBytes }),
        ...(maxDocumentBytes === undefined ? {} : { maxDocumentBytes }),
        maxOutputBytes: MAX_TRANSLATION_TEXT_BYTES,
      });
    } catch (error) {
      // Problems no retry can solve end as a recorded outcome, never as retries into the DLQ.
      if (error instanceof UnsupportedLanguagePairError) {
        // The provider refuses at the first call, before anything is translated.
        const reason = SKIP_REASONS.unsupportedLanguagePair(sourceLanguage, language);
        return this.skipped(detail, language, reason, { requests: 1 });
      }
      if (error instanceof ProviderRefusedError) {
        return this.skipped(detail, language, SKIP_REASONS.refused(error.errorName), { requests: 1 });
      }
      if (error instanceof ChunkingError) return this.skipped(detail, language, SKIP_REASONS.unsplittable);
      if (error instanceof TranslationTooLargeError) {
        return this.skipped(detail, language, SKIP_REASONS.tooLarge(error.maxBytes), error);
      }
      throw error;
    }
    const texts = [...translated.headlines, ...translated.bodies];
    const bytes = texts.reduce(
      (sum, t) =>
        sum + utf8ByteLength(t.value) + utf8ByteLength(t.role ?? '') + utf8ByteLength(t.contenttype ?? ''),
      0,
    );
    if (bytes > MAX_TRANSLATION_TEXT_BYTES) {
      return this.skipped(detail, language, SKIP_REASONS.tooLarge(MAX_TRANSLATION_TEXT_BYTES), translated);
    }
    return {
      translation: {
        ...this.base(detail, language),
        status: 'translated',
        headlines: translated.headlines,
        bodies: translated.bodies,
        charactersBilled: translated.charactersBilled,
      },
      requests: translated.requests,
      fallbacks: translated.fallbacks,
    };
  }

  /** A skipped outcome; `spent` is what was paid for before the problem showed (billed characters are recorded). */
  private skipped(
    detail: NewsItemDetailV1,
    language: string,
    reason: string,
    spent: { requests?: number; charactersBilled?: number; fallbacks?: number } = {},
  ): ComputedOutcome {
    return {
      translation: {
        ...this.base(detail, language),
        status: 'skipped',
        reason,
        headlines: [],
        bodies: [],
        charactersBilled: spent.charactersBilled ?? 0,
      },
      requests: spent.requests ?? 0,
      fallbacks: spent.fallbacks ?? 0,
    };
  }

  private base(detail: NewsItemDetailV1, language: string) {
    return {
      itemId: detail.itemId,
      version: detail.version,
      partnerId: detail.partnerId,
      uri: detail.uri,
      language,
      sourceLanguage: detail.language,
      provider: this.deps.settings.provider,
      translatedAt: this.now().toISOString(),
    };
  }

  /**
   * The texts to translate. Inline events carry the first headline and the bodies; an event with
   * only a bodyRef (too large for EventBridge) is completed from the stored version, whose
   * headlines are all translated.
   */
  private async sourceContentOf(detail: NewsItemDetailV1): Promise<SourceContent> {
    if (detail.bodies !== undefined) {
      return {
        headlines: detail.headline === '' ? [] : [{ value: detail.headline }],
        bodies: detail.bodies.map(({ role, contenttype, value }) => ({
          ...(role === undefined ? {} : { role }),
          ...(contenttype === undefined ? {} : { contenttype }),
          value,
        })),
      };
    }
    const version = await this.deps.items.getVersion(detail.itemId, detail.version);
    if (version === undefined) {
      throw new ItemNotReadableError(detail.itemId, detail.version, 'the version row is missing');
    }
    const { document } = version;
    const headlines = (document.headlines ?? [])
      .filter((h) => h.value.trim() !== '')
      .map(({ role, contenttype, value }) => ({
        ...(role === undefined ? {} : { role }),
        ...(contenttype === undefined ? {} : { contenttype }),
        value,
      }));
    if (headlines.length === 0 && document.title) headlines.push({ value: document.title });
    return {
      headlines,
      bodies: (document.bodies ?? []).map(({ role, contenttype, value }) => ({
        ...(role === undefined ? {} : { role }),
        ...(contenttype === undefined ? {} : { contenttype }),
        value,
      })),
    };
  }
}
