import { TranslateClient } from '@aws-sdk/client-translate';

/**
 * The one Amazon Translate client of a Lambda execution environment, built once at module load.
 * The endpoint comes from `AWS_ENDPOINT_URL_TRANSLATE` when set, so an operator can point it at any
 * engine speaking the Translate JSON protocol. The SDK's standard retry strategy (exponential backoff
 * with jitter, throttling-aware) makes up to `maxAttempts` tries per request; AmazonTranslator adds a
 * bounded retry of its own on top for throttling that outlasts them.
 */
export const TRANSLATE_SDK_MAX_ATTEMPTS = 3;

export const translate = new TranslateClient({ maxAttempts: TRANSLATE_SDK_MAX_ATTEMPTS });
