import {
  type TranslateClient,
  TranslateDocumentCommand,
  TranslateTextCommand,
} from '@aws-sdk/client-translate';
import { isHtml } from '../../domain/translation/packing';
import {
  ProviderRefusedError,
  type TextTranslator,
  type TranslateRequest,
  type TranslateResult,
  UnsupportedLanguagePairError,
} from '../../domain/translation/ports';
import { type Backoff, type BackoffOptions, fullJitterBackoff } from '../backoff';

export type AmazonTranslatorOptions = BackoffOptions;

/** Transient Translate errors worth another attempt after the SDK has given up on them. */
const RETRYABLE_ERRORS = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailableException',
  'InternalServerException',
]);

/**
 * Errors by which Translate refuses the request itself (its validation, its text size limit, a
 * code it does not know): the same request is refused every time, so they are not retried.
 */
const REFUSALS = new Set([
  'ValidationException',
  'InvalidRequestException',
  'InvalidParameterValueException',
  'TextSizeLimitExceededException',
  'DetectedLanguageLowConfidenceException',
]);

const HTML = 'text/html';
/**
 * TextTranslator on Amazon Translate, one request per call: plain text goes through TranslateText;
 * HTML through TranslateDocument with content type `text/html` (the only real-time operation that
 * keeps markup). The domain plans the requests within the limits (packing.ts); this adapter only
 * sends them, retries transient errors and maps an unsupported language pair and a refused request
 * to typed errors.
 */
export class AmazonTranslator implements TextTranslator {
  private readonly backoff: Backoff;

  constructor(
    private readonly client: TranslateClient,
    opts: AmazonTranslatorOptions = {},
  ) {
    this.backoff = fullJitterBackoff(opts, { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 4_000 });
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
        if (name !== undefined && REFUSALS.has(name)) throw new ProviderRefusedError(name, { cause: error });
        if (name === undefined || !RETRYABLE_ERRORS.has(name) || attempt >= this.backoff.maxAttempts)
          throw error;
        await this.backoff.wait(attempt);
      }
    }
  }
}
