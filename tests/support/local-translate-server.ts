import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny Amazon Translate for tests, speaking the service's JSON 1.1 protocol as the real
 * `@aws-sdk/client-translate` sends it (protocol `AwsJson1_1Protocol`, service target
 * `AWSShineFrontendService_20170701`, see the SDK's runtime config):
 *
 *   POST /  Content-Type: application/x-amz-json-1.1
 *           X-Amz-Target: AWSShineFrontendService_20170701.TranslateText | .TranslateDocument
 *
 * It "translates" deterministically: TranslateText answers `[<target>] <text>`; TranslateDocument
 * (text/html) prefixes every non-blank text node the same way and leaves tags untouched. It records
 * every call, counts the characters (code points) it received, and can be told to fail the next N
 * calls with a given error, which it returns as the service does: `{"__type": ..., "message": ...}`
 * with the status the SDK maps to that error.
 */

export const TRANSLATE_TARGET_PREFIX = 'AWSShineFrontendService_20170701';

export interface TranslateCall {
  operation: string;
  sourceLanguage: string;
  targetLanguage: string;
  /** The text (TranslateText) or decoded document content (TranslateDocument). */
  text: string;
  contentType?: string;
  /** How the call was answered. */
  status: number;
  errorType?: string;
}

export interface InjectedFailure {
  type: string;
  status: number;
}

export const THROTTLING: InjectedFailure = { type: 'ThrottlingException', status: 400 };
export const TOO_MANY_REQUESTS: InjectedFailure = { type: 'TooManyRequestsException', status: 429 };
export const SERVICE_UNAVAILABLE: InjectedFailure = { type: 'ServiceUnavailableException', status: 503 };
export const UNSUPPORTED_PAIR: InjectedFailure = { type: 'UnsupportedLanguagePairException', status: 400 };

export interface LocalTranslateServer {
  endpoint: string;
  calls: TranslateCall[];
  /** Successful calls only (what a provider would bill). */
  readonly translatedCalls: TranslateCall[];
  /** Code points received by successful calls. */
  readonly charactersTranslated: number;
  /** Fail the next `count` calls with `failure` (default: ThrottlingException). */
  failNext(count: number, failure?: InjectedFailure): void;
  /** Fail every call from now on (until `reset`). */
  failAlways(failure?: InjectedFailure): void;
  /** Answer TranslateText with each paragraph repeated `times` times (a translation that grows), until `reset`. */
  growAnswers(times: number): void;
  reset(): void;
  close(): Promise<void>;
}

const codePoints = (text: string) => [...text].length;

/** `[en] ` before every text node with content; tags (and attribute values) are left as they are. */
export function fakeTranslateHtml(html: string, target: string): string {
  return html.replace(/>([^<]*\S[^<]*)(?=<|$)/g, (_, text: string) => {
    const leading = /^\s*/.exec(text)![0];
    return `>${leading}[${target}] ${text.slice(leading.length)}`;
  });
}

export async function startLocalTranslateServer(): Promise<LocalTranslateServer> {
  const calls: TranslateCall[] = [];
  let pendingFailures: { failure: InjectedFailure; remaining: number } | undefined;
  let alwaysFail: InjectedFailure | undefined;
  let growth = 1;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const [prefix, operation = ''] = target.split('.');
    if (req.method !== 'POST' || prefix !== TRANSLATE_TARGET_PREFIX) {
      send(res, 400, { __type: 'UnknownOperationException', message: `Unknown target ${target}` });
      return;
    }
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    const sourceLanguage = String(input.SourceLanguageCode);
    const targetLanguage = String(input.TargetLanguageCode);
    const document = input.Document as { Content?: string; ContentType?: string } | undefined;
    const text =
      operation === 'TranslateDocument'
        ? Buffer.from(document?.Content ?? '', 'base64').toString('utf8')
        : String(input.Text ?? '');
    const call: TranslateCall = {
      operation,
      sourceLanguage,
      targetLanguage,
      text,
      ...(document?.ContentType === undefined ? {} : { contentType: document.ContentType }),
      status: 200,
    };
    calls.push(call);

    // As Amazon Translate: language codes are 2 to 5 characters, checked before anything else.
    const badCode = [sourceLanguage, targetLanguage].find((code) => code.length < 2 || code.length > 5);
    if (badCode !== undefined) {
      call.status = 400;
      call.errorType = 'ValidationException';
      send(res, 400, {
        __type: 'ValidationException',
        message: `1 validation error detected: Value '${badCode}' failed to satisfy constraint: Member must have length greater than or equal to 2`,
      });
      return;
    }

    let failure = alwaysFail;
    if (failure === undefined && pendingFailures !== undefined && pendingFailures.remaining > 0) {
      failure = pendingFailures.failure;
      pendingFailures.remaining--;
    }
    if (failure !== undefined) {
      call.status = failure.status;
      call.errorType = failure.type;
      send(res, failure.status, { __type: failure.type, message: `Injected ${failure.type}` });
      return;
    }

    if (operation === 'TranslateText') {
      send(res, 200, {
        TranslatedText: `[${targetLanguage}] ${text
          .split('\n\n')
          .map((paragraph) => paragraph.repeat(growth))
          .join('\n\n')}`,
        SourceLanguageCode: sourceLanguage,
        TargetLanguageCode: targetLanguage,
      });
    } else if (operation === 'TranslateDocument') {
      const translated = fakeTranslateHtml(text, targetLanguage);
      send(res, 200, {
        TranslatedDocument: { Content: Buffer.from(translated, 'utf8').toString('base64') },
        SourceLanguageCode: sourceLanguage,
        TargetLanguageCode: targetLanguage,
      });
    } else {
      call.status = 400;
      send(res, 400, { __type: 'UnknownOperationException', message: `Unsupported ${operation}` });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) =>
      send(res, 500, { __type: 'InternalServerException', message: String(error) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    get translatedCalls() {
      return calls.filter((c) => c.status === 200);
    },
    get charactersTranslated() {
      return calls.filter((c) => c.status === 200).reduce((sum, c) => sum + codePoints(c.text), 0);
    },
    failNext(count, failure = THROTTLING) {
      pendingFailures = { failure, remaining: count };
    },
    failAlways(failure = THROTTLING) {
      alwaysFail = failure;
    },
    growAnswers(times) {
      growth = times;
    },
    reset() {
      calls.length = 0;
      growth = 1;
      pendingFailures = undefined;
      alwaysFail = undefined;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
