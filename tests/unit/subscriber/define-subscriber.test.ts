import type { Context } from 'aws-lambda';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Logger } from '#shared/adapters/logger.ts';
import {
  type DedupeClaim,
  type DedupeStore,
  defineSubscriber,
  InvalidEventError,
  type SubscriberEvent,
} from '#shared/adapters/subscriber/index.ts';
import type { NewsItemDetailV1, NewsItemTranslatedDetailV1 } from '#shared/contracts/events/index.ts';

const ITEM = 'itm_01JABCDEFGHJKMNPQRSTVWXYZ0';
const detail: NewsItemDetailV1 = {
  schemaVersion: '1',
  eventId: '3f1c2a9e-5b7d-8e21-9c4a-0123456789ab',
  itemId: ITEM,
  version: 1,
  partnerId: 'ptn_01JABCDEFGHJKMNPQRSTVWXYZ0',
  uri: 'urn:partner:story:1',
  language: 'ar',
  headline: 'عنوان',
  pubstatus: 'usable',
  receivedAt: '2026-11-29T09:00:00Z',
  contentHash: 'a'.repeat(64),
  bodies: [{ value: 'نص' }],
};

const eventOf = (detailType: string, eventDetail: unknown): SubscriberEvent => ({
  version: '0',
  id: 'c3b1e0f2-0000-4000-8000-000000000001',
  'detail-type': detailType,
  source: 'diplowire.items',
  account: '123456789012',
  time: '2026-11-29T09:00:01Z',
  region: 'eu-west-1',
  resources: [],
  detail: eventDetail,
});

const context = {
  functionName: 'subscriber-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:subscriber-test',
  memoryLimitInMB: '128',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const silentLogger = () => new Logger({ serviceName: 'subscriber-test', logLevel: 'SILENT' });

/** Records what a subscriber's handle received. */
function recordingSubscriber(options: { dedupe?: DedupeStore; fail?: boolean } = {}) {
  const received: { detail: NewsItemDetailV1; detailType: string; eventId: string; envelopeId: string }[] =
    [];
  const handler = defineSubscriber({
    name: 'recorder',
    detailType: ['NewsItemPublished', 'NewsItemCorrected'],
    logger: silentLogger(),
    ...(options.dedupe ? { dedupe: options.dedupe } : {}),
    handle: async (handled, ctx) => {
      received.push({
        detail: handled,
        detailType: ctx.detailType,
        eventId: ctx.eventId,
        envelopeId: ctx.envelopeId,
      });
      if (options.fail) throw new Error('downstream failed');
    },
  });
  return { handler, received };
}

async function invalidEventError(promise: Promise<unknown>): Promise<InvalidEventError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidEventError);
  return error as InvalidEventError;
}

class MemoryDedupeStore implements DedupeStore {
  readonly done = new Set<string>();
  readonly calls: string[] = [];
  async claim(key: string): Promise<DedupeClaim> {
    this.calls.push(`claim ${key}`);
    return this.done.has(key) ? { status: 'duplicate' } : { status: 'claimed', token: 't1' };
  }
  async complete(key: string, token: string): Promise<void> {
    this.calls.push(`complete ${key} ${token}`);
    this.done.add(key);
  }
  async release(key: string, token: string): Promise<void> {
    this.calls.push(`release ${key} ${token}`);
  }
}

describe('defineSubscriber', () => {
  it('hands a valid detail to handle, with its detail-type, eventId and envelope id', async () => {
    const { handler, received } = recordingSubscriber();
    await handler(eventOf('NewsItemCorrected', detail), context);
    expect(received).toEqual([
      {
        detail,
        detailType: 'NewsItemCorrected',
        eventId: detail.eventId,
        envelopeId: 'c3b1e0f2-0000-4000-8000-000000000001',
      },
    ]);
  });

  it('rejects a detail that breaks the contract with JSON pointers into the event, without handling it', async () => {
    const { handler, received } = recordingSubscriber();
    const { bodies: _bodies, ...withoutBodies } = detail;
    const broken = { ...withoutBodies, version: 0, itemId: 'itm_x' };
    const error = await invalidEventError(handler(eventOf('NewsItemPublished', broken), context));
    expect(error.message).toBe(
      'Invalid NewsItemPublished event: /detail must have exactly one of bodies, bodyRef (has none); ' +
        '/detail/itemId must match pattern "^itm_[0-9A-Za-z]{26}$"; /detail/version must be >= 1',
    );
    expect(error.issues).toEqual([
      { pointer: '/detail', message: 'must have exactly one of bodies, bodyRef (has none)' },
      { pointer: '/detail/itemId', message: 'must match pattern "^itm_[0-9A-Za-z]{26}$"' },
      { pointer: '/detail/version', message: 'must be >= 1' },
    ]);
    expect(received).toEqual([]);
  });

  it('rejects a missing member at its own pointer', async () => {
    const { handler } = recordingSubscriber();
    const { eventId: _eventId, ...withoutEventId } = detail;
    const error = await invalidEventError(handler(eventOf('NewsItemPublished', withoutEventId), context));
    expect(error.issues).toEqual([{ pointer: '/detail/eventId', message: 'is required' }]);
  });

  it('rejects a detail-type it does not subscribe to', async () => {
    const { handler, received } = recordingSubscriber();
    const error = await invalidEventError(handler(eventOf('NewsItemRetracted', detail), context));
    expect(error.message).toBe('Subscriber recorder does not handle detail-type NewsItemRetracted');
    expect(error.issues).toEqual([
      { pointer: '/detail-type', message: 'must be one of NewsItemPublished, NewsItemCorrected' },
    ]);
    expect(received).toEqual([]);
  });

  it('rejects an envelope without a detail object', async () => {
    const { handler } = recordingSubscriber();
    const error = await invalidEventError(handler(eventOf('NewsItemPublished', 'text'), context));
    expect(error.issues).toEqual([{ pointer: '/detail', message: 'must be object' }]);
  });

  it('refuses, when defined, a detail-type without a contract', () => {
    expect(() =>
      defineSubscriber({
        name: 'typo',
        detailType: 'NewsItemPublishd' as 'NewsItemPublished',
        logger: silentLogger(),
        handle: async () => {},
      }),
    ).toThrow('No event contract for detail-type NewsItemPublishd');
  });

  it('validates NewsItemTranslated with its own contract', async () => {
    const seen: NewsItemTranslatedDetailV1[] = [];
    const handler = defineSubscriber({
      name: 'translations',
      detailType: 'NewsItemTranslated',
      logger: silentLogger(),
      handle: async (translated) => {
        expectTypeOf(translated).toEqualTypeOf<NewsItemTranslatedDetailV1>();
        seen.push(translated);
      },
    });
    const translated: NewsItemTranslatedDetailV1 = {
      schemaVersion: '1',
      eventId: detail.eventId,
      itemId: ITEM,
      version: 1,
      partnerId: detail.partnerId,
      uri: detail.uri,
      sourceLanguage: 'ar',
      language: 'en',
      provider: 'none',
      status: 'skipped',
      reason: 'provider none',
      charactersBilled: 0,
      translatedAt: '2026-11-29T09:00:02Z',
      headline: '',
    };
    await handler(eventOf('NewsItemTranslated', translated), context);
    expect(seen).toEqual([translated]);
    // A news-item detail is not a NewsItemTranslated detail.
    const error = await invalidEventError(handler(eventOf('NewsItemTranslated', detail), context));
    expect(error.issues).toEqual(
      expect.arrayContaining([{ pointer: '/detail/sourceLanguage', message: 'is required' }]),
    );
  });

  it('skips a duplicate and completes the claim of a handled event', async () => {
    const dedupe = new MemoryDedupeStore();
    const { handler, received } = recordingSubscriber({ dedupe });
    await handler(eventOf('NewsItemPublished', detail), context);
    await handler(eventOf('NewsItemPublished', detail), context);
    expect(received).toHaveLength(1);
    const key = `recorder#${detail.eventId}`;
    expect(dedupe.calls).toEqual([`claim ${key}`, `complete ${key} t1`, `claim ${key}`]);
  });

  it('rethrows a handling failure and releases the claim so the retry is handled', async () => {
    const dedupe = new MemoryDedupeStore();
    const { handler } = recordingSubscriber({ dedupe, fail: true });
    await expect(handler(eventOf('NewsItemPublished', detail), context)).rejects.toThrow('downstream failed');
    const key = `recorder#${detail.eventId}`;
    expect(dedupe.calls).toEqual([`claim ${key}`, `release ${key} t1`]);
  });
});
