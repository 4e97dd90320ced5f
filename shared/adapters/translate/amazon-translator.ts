import {
  type TranslateClient,
  TranslateDocumentCommand,
  TranslateTextCommand,
} from '@aws-sdk/client-translate';
import { isHtml } from '../../domain/translation/packing';
import {
  type TextTranslator,
  type TranslateRequest,
  type TranslateResult,
  UnsupportedLanguagePairError,
} from '../../domain/translation/ports';

export interface AmazonTranslatorOptions {
  /** Attempts per request on top of the SDK's own retries, the first included. */
  maxAttempts?: number;
  /** Backoff before attempt n+1 is random in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))] ("full jitter"). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Transient Translate errors worth another attempt after the SDK has given up on them. */
const RETRYABLE_ERRORS = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailableException',
  'InternalServerException',
]);

const HTML = 'text/html';
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * TextTranslator on Amazon Translate, one request per call: plain text goes through TranslateText;
 * HTML through TranslateDocument with content type `text/html` (the only real-time operation that
 * keeps markup). The domain plans the requests within the limits (packing.ts); this adapter only
 * sends them, retries transient errors and maps an unsupported language pair to a typed error.
 */
export class AmazonTranslator implements TextTranslator {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly client: TranslateClient,
    opts: AmazonTranslatorOptions = {},
  ) {
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 4);
    this.baseDelayMs = opts.baseDelayMs ?? 250;
    this.maxDelayMs = opts.maxDelayMs ?? 4_000;
    this.sleep = opts.sleep ?? defaultSleep;
    this.random = opts.random ?? Math.random;
  }

  async translate(request: TranslateRequest): Promise<TranslateResult> {
    const html = isHtml(request.contentType);
    const text = await this.withRetry(request, () =>
      html ? this.translateHtml(request.text, request) : this.translateText(request.text, request),
    );
    return { text };
  }

  private async translateText(text: string, request: TranslateRequest): Promise<string> {
    const response = await this.client.send(
      new TranslateTextCommand({
        Text: text,
        SourceLanguageCode: request.sourceLanguage,
        TargetLanguageCode: request.targetLanguage,
      }),
    );
    if (response.TranslatedText === undefined) throw new Error('TranslateText returned no TranslatedText');
    return response.TranslatedText;
  }

  private async translateHtml(html: string, request: TranslateRequest): Promise<string> {
    const response = await this.client.send(
      new TranslateDocumentCommand({
        Document: { Content: new TextEncoder().encode(html), ContentType: HTML },
        SourceLanguageCode: request.sourceLanguage,
        TargetLanguageCode: request.targetLanguage,
      }),
    );
    const content = response.TranslatedDocument?.Content;
    if (content === undefined) throw new Error('TranslateDocument returned no content');
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  }

  private async withRetry(request: TranslateRequest, call: () => Promise<string>): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const name = (error as { name?: string } | undefined)?.name;
        if (name === 'UnsupportedLanguagePairException') {
          throw new UnsupportedLanguagePairError(request.sourceLanguage, request.targetLanguage, {
            cause: error,
          });
        }
        if (name === undefined || !RETRYABLE_ERRORS.has(name) || attempt >= this.maxAttempts) throw error;
        await this.sleep(this.backoff(attempt));
      }
    }
  }

  private backoff(retry: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (retry - 1));
    return Math.floor(this.random() * ceiling);
  }
}
