import {
  type TranslateClient,
  TranslateDocumentCommand,
  TranslateTextCommand,
} from '@aws-sdk/client-translate';
import {
  characterCount,
  chunkHtml,
  chunkText,
  isBlank,
  MAX_DOCUMENT_BYTES,
  MAX_TEXT_BYTES,
  withSourceWhitespace,
} from '../../domain/translation/chunking';
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
  /** Request limits; smaller values only in tests. */
  maxTextBytes?: number;
  maxDocumentBytes?: number;
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

function isHtml(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === HTML;
}

/**
 * TextTranslator on Amazon Translate. Plain text goes through TranslateText in chunks of at most
 * 10,000 UTF-8 bytes (cut at paragraph, then sentence, then word boundaries); HTML goes through
 * TranslateDocument with content type `text/html` (the only real-time operation that keeps markup),
 * cut only between top-level blocks. `charactersBilled` counts the code points actually sent, each once.
 */
export class AmazonTranslator implements TextTranslator {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxTextBytes: number;
  private readonly maxDocumentBytes: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly client: TranslateClient,
    opts: AmazonTranslatorOptions = {},
  ) {
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 4);
    this.baseDelayMs = opts.baseDelayMs ?? 250;
    this.maxDelayMs = opts.maxDelayMs ?? 4_000;
    this.maxTextBytes = opts.maxTextBytes ?? MAX_TEXT_BYTES;
    this.maxDocumentBytes = opts.maxDocumentBytes ?? MAX_DOCUMENT_BYTES;
    this.sleep = opts.sleep ?? defaultSleep;
    this.random = opts.random ?? Math.random;
  }

  async translate(request: TranslateRequest): Promise<TranslateResult> {
    const html = isHtml(request.contentType);
    const chunks = html
      ? chunkHtml(request.text, this.maxDocumentBytes)
      : chunkText(request.text, this.maxTextBytes);
    let charactersBilled = 0;
    const translated: string[] = [];
    for (const chunk of chunks) {
      if (isBlank(chunk)) {
        translated.push(chunk);
        continue;
      }
      const text = await this.withRetry(request, () =>
        html ? this.translateHtml(chunk, request) : this.translateText(chunk, request),
      );
      charactersBilled += characterCount(chunk);
      translated.push(withSourceWhitespace(chunk, text));
    }
    return { text: translated.join(''), charactersBilled };
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
