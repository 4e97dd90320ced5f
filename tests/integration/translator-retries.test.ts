import { TranslateClient } from '@aws-sdk/client-translate';
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { readTranslatorConfig } from '#functions/translator/config.ts';
import { createTranslatorHandler } from '#functions/translator/translator.ts';
import { DynamoTranslationStore } from '#shared/adapters/dynamodb/translation-store.ts';
import {
  DedupeInProgressError,
  DynamoDedupeStore,
  defineSubscriber,
} from '#shared/adapters/subscriber/index.ts';
import { AmazonTranslator } from '#shared/adapters/translate/amazon-translator.ts';
import { translationEventIdOf } from '#shared/domain/translation/model.ts';
import { TranslationInProgressError, TranslationService } from '#shared/domain/translation/service.ts';
import { SERVICE_UNAVAILABLE, THROTTLING, TOO_MANY_REQUESTS } from '../support/local-translate-server';
import {
  claimRow,
  client,
  context,
  deployedTranslator,
  document,
  eventOf,
  items,
  outbox,
  server,
  tableName,
  translations,
  translatorHandler,
  writeItem,
} from '../support/translator-setup';

describe('translator', () => {
  it('makes no second TranslateText call for a duplicated or redelivered event', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    const handler = translatorHandler();
    await handler(eventOf(v1!), context);
    const calls = server.calls.length;
    // Redelivery: same detail (same eventId), new envelope id.
    await handler(eventOf(v1!), context);
    await translatorHandler()(eventOf(v1!), context);
    expect(server.calls).toHaveLength(calls);
    expect(await outbox()).toHaveLength(1);
  });

  it('lets only one of two concurrent duplicates translate; the other is retried later, not dropped', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    const handler = translatorHandler();
    const results = await Promise.allSettled([
      handler(eventOf(v1!), context),
      handler(eventOf(v1!), context),
    ]);
    const rejected = results.filter((r) => r.status === 'rejected');
    // Either the second one saw the finished translation or the live lease (and must be retried).
    for (const r of rejected)
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TranslationInProgressError);
    expect(server.calls).toHaveLength(1); // headline + body packed, once
    await handler(eventOf(v1!), context); // the EventBridge retry of the loser
    expect(server.calls).toHaveLength(1);
    // The outcome and its announcement are one write: exactly one event.
    const eventId = translationEventIdOf({ itemId: v1!.itemId, version: 1, language: 'en' });
    expect((await outbox()).map((p) => p.detail.eventId)).toEqual([eventId]);
  });

  it.each([
    ['ThrottlingException (400)', THROTTLING],
    ['TooManyRequestsException (429)', TOO_MANY_REQUESTS],
    ['ServiceUnavailableException (503)', SERVICE_UNAVAILABLE],
  ])('retries a call failing with %s, then succeeds', async (_, failure) => {
    const [v1] = await writeItem([document(1, 'usable')]);
    server.failNext(3, failure); // more than the SDK's 2 attempts: our own retry has to step in
    await translatorHandler()(eventOf(v1!), context);
    expect(server.calls.filter((c) => c.errorType === failure.type)).toHaveLength(3);
    expect(server.translatedCalls).toHaveLength(1);
    expect(server.calls.map((c) => c.text)).toEqual(Array(4).fill(server.translatedCalls[0]!.text));
    expect((await translations.get(v1!.itemId, 'en'))?.status).toBe('translated');
    expect(await outbox()).toHaveLength(1);
  });

  it('throws on persistent throttling, records nothing and releases the claim for the retry', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    server.failAlways(THROTTLING);
    await expect(translatorHandler()(eventOf(v1!), context)).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(server.calls).toHaveLength(2 * 3); // SDK attempts x own attempts, bounded
    expect(await translations.getVersion(v1!.itemId, 1, 'en')).toBeUndefined();
    expect(await outbox()).toEqual([]);

    server.reset(); // the service recovers; EventBridge retries the event
    await translatorHandler()(eventOf(v1!), context);
    expect((await translations.get(v1!.itemId, 'en'))?.status).toBe('translated');
    expect(await outbox()).toHaveLength(1);
  });

  it.each([
    ['as deployed', { TRANSLATION_LEASE_SECONDS: deployedTranslator.leaseSeconds }],
    ['with the default lease setting', {}],
    ['with a lease setting longer than the timeout', { TRANSLATION_LEASE_SECONDS: '600' }],
  ])(
    "lets Lambda's first async retry take over the claim of a run its timeout killed (%s)",
    async (_, env) => {
      const [v1] = await writeItem([document(1, 'usable')]);
      // The function's environment and its timeout.
      const { settings } = readTranslatorConfig({ ITEMS_TABLE_NAME: tableName, ...env });
      const timeoutMs = deployedTranslator.timeoutSeconds * 1000;
      const invocation = { ...context, getRemainingTimeInMillis: () => timeoutMs } as Context;
      const hanging = new TranslationService({
        items,
        store: translations,
        translator: { translate: () => new Promise(() => {}) },
        settings: { ...settings, provider: 'aws' },
      });
      // The first run claims, then hangs in Translate until Lambda kills it (never settles here).
      void createTranslatorHandler({ service: hanging })(eventOf(v1!), invocation);
      await vi.waitFor(async () =>
        expect(await claimRow(v1!.itemId)).toMatchObject({ status: 'in-progress' }),
      );

      // Lambda retries a failed asynchronous invocation after about a minute.
      const retryAt = Date.now() + timeoutMs + 60_000;
      const retry = new TranslationService({
        items,
        store: new DynamoTranslationStore(client, tableName, { now: () => retryAt }),
        translator: new AmazonTranslator(
          new TranslateClient({
            endpoint: server.endpoint,
            region: 'us-east-1',
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }),
        ),
        settings: { ...settings, provider: 'aws' },
      });
      await createTranslatorHandler({ service: retry })(eventOf(v1!), invocation);
      expect((await outbox()).map((p) => p.detail.status)).toEqual(['translated']);
    },
  );
});

describe('defineSubscriber with a DynamoDB dedupe store', () => {
  it('handles an eventId once, lets a failed attempt be retried, and blocks a concurrent duplicate', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    const seen: string[] = [];
    let fail = true;
    let release: () => void = () => {};
    let gate: Promise<void> | undefined;
    const handler = defineSubscriber({
      name: 'audit-log',
      detailType: ['NewsItemPublished', 'NewsItemCorrected'],
      dedupe: new DynamoDedupeStore(client, tableName),
      handle: async (detail, ctx) => {
        expect(ctx.eventId).toBe(detail.eventId);
        if (gate) await gate;
        if (fail) throw new Error('downstream unavailable');
        seen.push(`${detail.itemId}:${detail.version}`);
      },
    });

    await expect(handler(eventOf(v1!), context)).rejects.toThrow('downstream unavailable');
    fail = false;
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const first = handler(eventOf(v1!), context);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(handler(eventOf(v1!), context)).rejects.toBeInstanceOf(DedupeInProgressError);
    release();
    await first;
    await handler(eventOf(v1!), context); // a later redelivery: skipped
    expect(seen).toEqual([`${v1!.itemId}:1`]);
  });
});
