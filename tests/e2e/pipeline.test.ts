/**
 * The whole pipeline on the local cloud, over real HTTP: partner CLI -> API -> DynamoDB -> stream
 * (outbox) -> publisher -> EventBridge -> rule targets (a queue, a failing function with Lambda's async
 * retries and dead-lettering, and a deleted function with the rule's).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEWS_ITEM_DETAIL_TYPES } from '#shared/contracts/events/news-item.v1.ts';
import {
  e2eNames,
  FAILING_FUNCTION_RETRY_ATTEMPTS,
  FAILING_TARGET_RETRY_ATTEMPTS,
} from './support/e2e-stack';
import {
  type ApiClient,
  apiClient,
  type BusRecord,
  createPartnerWithCli,
  eventsOnBus,
  invocationsOf,
  jsonOf,
  localSqsClient,
  queueCollector,
  SEED_BYTES,
  seedArticle,
  sleep,
  waitFor,
} from './support/helpers';
import {
  killLeftoverDynamoDb,
  type RunningCloud,
  runningDynamoDbOf,
  startCloud,
} from './support/local-cloud';
import { synthesize } from './support/synth';

const names = e2eNames('dev');
const EVENT_TIMEOUT_MS = 20_000;

let dataDir: string;
let cloud: RunningCloud;
let api: ApiClient;
let partner: { partnerId: string; apiKey: string };
let sqs: SQSClient;
let tap: ReturnType<typeof queueCollector>;
/** The rule targets' dead-letter queue (both failing rules share it). */
let ruleDeadLetters: ReturnType<typeof queueCollector>;

/** Shared by the steps below, which run in order: each builds on the item's previous version. */
const article = seedArticle();
let itemId: string;

beforeAll(async () => {
  const cdkOut = await synthesize();
  dataDir = mkdtempSync(join(tmpdir(), 'diplowire-e2e-pipeline-'));
  cloud = await startCloud({ dataDir, cdkOut, fresh: true });
  partner = await createPartnerWithCli(dataDir, 'acme');
  api = apiClient(cloud.endpoints, partner.apiKey);
  sqs = localSqsClient(cloud.endpoints);
  tap = queueCollector(sqs, names.tapQueue);
  ruleDeadLetters = queueCollector(sqs, names.failingDeadLetterQueue);
});

afterAll(async () => {
  sqs?.destroy();
  await cloud?.stop();
  if (dataDir) {
    const leaked = await killLeftoverDynamoDb(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
    if (leaked.length > 0) throw new Error(`DynamoDB Local (pid ${leaked}) outlived the stopped cloud`);
  }
});

/** Waits until the bus log holds an event of `detailType` for the item's `version`. */
function waitForItemEvent(detailType: string, version: number): Promise<BusRecord> {
  return waitFor(
    async () =>
      (await eventsOnBus(cloud.endpoints)).find(
        (r) =>
          r.event['detail-type'] === detailType &&
          r.event.detail.itemId === itemId &&
          r.event.detail.version === version,
      ),
    EVENT_TIMEOUT_MS,
    `${detailType} v${version} of ${itemId} on the bus`,
  );
}

/** The tap rule delivered exactly this event (same EventBridge id) to the tap queue. */
async function expectOnTapQueue(record: BusRecord): Promise<void> {
  const message = await tap.waitFor(
    (m: Message) => JSON.parse(m.Body ?? '{}').id === record.event.id,
    EVENT_TIMEOUT_MS,
    `event ${record.event.id} on the tap queue`,
  );
  const delivered = JSON.parse(message.Body ?? '{}');
  expect(delivered['detail-type']).toBe(record.event['detail-type']);
  expect(delivered.source).toBe('diplowire.items');
  expect(delivered.detail).toEqual(record.event.detail);
}

function expectProblem(
  result: { status: number; headers: Headers; text: string },
  status: number,
  slug?: string,
) {
  expect(result.status).toBe(status);
  expect(result.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = jsonOf(result);
  expect(problem.status).toBe(status);
  if (slug) expect(problem.type).toBe(`/problems/${slug}`);
  return problem;
}

describe('the pipeline on the local cloud', () => {
  it('the partners CLI creates a partner whose key the API accepts', () => {
    expect(partner.partnerId).toMatch(/^ptn_[0-9A-Za-z]{26}$/);
    expect(partner.apiKey).toMatch(/^dwk_[A-Za-z0-9_-]{43}$/);
    // A different partner than the demo partner the cloud seeded.
    expect(partner.partnerId).not.toBe(cloud.endpoints.demoPartnerId);
  });

  it('stores the seed article (201) and serves it back byte for byte', async () => {
    const created = await api.submit(article);
    expect(created.status).toBe(201);
    const receipt = jsonOf<{ id: string; version: number; uri: string }>(created);
    itemId = receipt.id;
    expect(itemId).toMatch(/^itm_[0-9A-Za-z]{26}$/);
    expect(receipt).toMatchObject({ version: 1, uri: article.uri });
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('location')).toBe(`/v1/items/${itemId}`);

    const read = await api.get(itemId);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    const document = jsonOf<{ bodies: Array<{ value: string }>; headlines: Array<{ value: string }> }>(read);
    expect(Buffer.from(document.bodies[0]?.value ?? '', 'utf8').equals(SEED_BYTES)).toBe(true);
    expect(document.headlines[0]?.value).toBe(SEED_BYTES.toString('utf8').split('\n')[0]);

    // HEAD, over real HTTP: the GET route's status and ETag, no content.
    const head = await api.request('HEAD', `/v1/items/${itemId}`);
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe('"1"');
    expect(head.text).toBe('');
  });

  it('publishes NewsItemPublished on the bus and the tap rule delivers it to its queue', async () => {
    const record = await waitForItemEvent('NewsItemPublished', 1);
    expect(record.event.source).toBe('diplowire.items');
    expect(record.event.detail).toMatchObject({
      partnerId: partner.partnerId,
      uri: article.uri,
      language: 'ar',
      pubstatus: 'usable',
    });
    expect(record.matchedRules).toContain(names.tapRule);
    expect(record.matchedRules).not.toContain(names.failingRule);
    await expectOnTapQueue(record);
  });

  it('answers a duplicate POST (same content) with 200 and publishes no new event', async () => {
    const duplicate = await api.submit(article);
    expect(duplicate.status).toBe(200);
    expect(jsonOf(duplicate)).toMatchObject({ id: itemId, version: 1 });

    // Give the outbox more than enough time to publish anything the duplicate might have written.
    // (Only the item events count: the item's translations come through the outbox too, as NewsItemTranslated.)
    await sleep(3000);
    const versionEvents = (await eventsOnBus(cloud.endpoints)).filter(
      (r) =>
        r.event.detail.itemId === itemId &&
        (NEWS_ITEM_DETAIL_TYPES as readonly string[]).includes(r.event['detail-type']),
    );
    expect(versionEvents.map((r) => r.event['detail-type'])).toEqual(['NewsItemPublished']);
    expect(new Set(versionEvents.map((r) => r.event.detail.eventId)).size).toBe(1);
  });

  it('publishes NewsItemCorrected for a correction (PUT with If-Match)', async () => {
    const corrected = await api.correct(
      itemId,
      { ...article, headlines: [{ value: 'تصحيح: الكويت وبلجيكا تبحثان العلاقات الثنائية' }] },
      '"1"',
    );
    expect(corrected.status).toBe(200);
    expect(corrected.headers.get('etag')).toBe('"2"');
    expect(jsonOf(corrected)).toMatchObject({ id: itemId, version: 2, pubstatus: 'usable' });

    const record = await waitForItemEvent('NewsItemCorrected', 2);
    expect(record.event.detail.headline).toBe('تصحيح: الكويت وبلجيكا تبحثان العلاقات الثنائية');
    await expectOnTapQueue(record);
  });

  it('publishes NewsItemRetracted for a retraction (DELETE with If-Match)', async () => {
    const retracted = await api.retract(itemId, '"2"');
    expect(retracted.status).toBe(200);
    expect(jsonOf(retracted)).toMatchObject({ id: itemId, version: 3, pubstatus: 'canceled' });

    const record = await waitForItemEvent('NewsItemRetracted', 3);
    expect(record.event.detail.pubstatus).toBe('canceled');
    expect(record.matchedRules).toEqual(
      expect.arrayContaining([names.tapRule, names.failingRule, names.deletedRule]),
    );
    await expectOnTapQueue(record);
  });

  it("hands the retraction to the failing function once; Lambda retries it, then sends it to the function's DLQ and on-failure destination", async () => {
    const retraction = await waitForItemEvent('NewsItemRetracted', 3);
    const attempts = FAILING_FUNCTION_RETRY_ATTEMPTS + 1;

    // EventBridge's part ends when Lambda accepted the event: one attempt, delivered.
    const record = (await eventsOnBus(cloud.endpoints)).find((r) => r.event.id === retraction.event.id);
    expect(record?.deliveries.find((d) => d.rule === names.failingRule)).toMatchObject({
      attempts: 1,
      outcome: 'delivered',
    });

    // The function's DeadLetterConfig gets the event with Lambda's attributes...
    const dlq = queueCollector(sqs, names.failingFunctionDeadLetterQueue);
    const dead = await dlq.waitFor(
      (m) => JSON.parse(m.Body ?? '{}').id === retraction.event.id,
      EVENT_TIMEOUT_MS,
      "the retraction in the function's dead-letter queue",
    );
    expect(JSON.parse(dead.Body ?? '{}')).toEqual(retraction.event);
    const attribute = (name: string) => dead.MessageAttributes?.[name]?.StringValue;
    const requestId = attribute('RequestID');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(attribute('ErrorCode')).toBe('200');
    expect(attribute('ErrorMessage')).toMatch(/always-fails rejected event/);

    // ...and its on-failure destination Lambda's invocation record.
    const destination = queueCollector(sqs, names.failingOnFailureQueue);
    const failure = await destination.waitFor(
      (m) => JSON.parse(m.Body ?? '{}').requestPayload?.id === retraction.event.id,
      EVENT_TIMEOUT_MS,
      "the retraction's invocation record at the on-failure destination",
    );
    expect(JSON.parse(failure.Body ?? '{}')).toMatchObject({
      requestContext: { requestId, condition: 'RetriesExhausted', approximateInvokeCount: attempts },
      requestPayload: retraction.event,
      responsePayload: { errorMessage: expect.stringMatching(/always-fails rejected event/) },
    });

    // The function ran once per attempt, all under the one request id.
    const runs = await invocationsOf(cloud.endpoints, names.failingFunction, retraction.event.id);
    expect(runs.map((r) => [r.requestId, r.ok, r.trigger])).toEqual(
      Array.from({ length: attempts }, () => [requestId, false, 'eventbridge']),
    );
  });

  it("dead-letters the retraction after the rule's retry policy when the function does not exist, with EventBridge's DLQ attributes", async () => {
    const retraction = await waitForItemEvent('NewsItemRetracted', 3);
    const attempts = FAILING_TARGET_RETRY_ATTEMPTS + 1;

    // The event log shows every attempt of the delivery to the missing function.
    const delivery = await waitFor(
      async () => {
        const record = (await eventsOnBus(cloud.endpoints)).find((r) => r.event.id === retraction.event.id);
        const failing = record?.deliveries.find((d) => d.rule === names.deletedRule);
        return failing?.outcome === 'dead-lettered' ? failing : undefined;
      },
      30_000,
      'the delivery to the deleted function to be dead-lettered',
    );
    expect(delivery.attempts).toBe(attempts);
    expect(delivery.error).toMatch(/Function not found/);

    const dlq = ruleDeadLetters;
    const isThisOne = (m: Message) =>
      JSON.parse(m.Body ?? '{}').id === retraction.event.id &&
      m.MessageAttributes?.RULE_ARN?.StringValue?.endsWith(`/${names.deletedRule}`) === true;
    const message = await dlq.waitFor(isThisOne, EVENT_TIMEOUT_MS, 'the retraction in the dead-letter queue');
    expect(JSON.parse(message.Body ?? '{}')).toEqual(retraction.event);
    const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
    expect(attribute('RULE_ARN')).toMatch(
      new RegExp(`:rule/${cloud.endpoints.eventBusName}/${names.deletedRule}$`),
    );
    expect(attribute('TARGET_ARN')).toMatch(new RegExp(`:function:${names.deletedFunction}$`));
    expect(attribute('ERROR_CODE')).toBe('ResourceNotFoundException');
    expect(attribute('ERROR_MESSAGE')).toMatch(/Function not found/);
    expect(attribute('EXHAUSTED_RETRY_CONDITION')).toBe('MaximumRetryAttempts');
    expect(attribute('RETRY_ATTEMPTS')).toBe(String(FAILING_TARGET_RETRY_ATTEMPTS));
    // Exactly one dead letter for the event, and none from the failing function's rule: Lambda accepted it.
    await sleep(1000);
    await dlq.poll();
    expect(dlq.received.filter((m) => JSON.parse(m.Body ?? '{}').id === retraction.event.id)).toEqual([
      message,
    ]);
  });

  describe('bad input over real HTTP', () => {
    it('415 for a body that is not JSON', async () => {
      const result = await api.request('POST', '/v1/items', {
        body: 'plain text',
        headers: { 'content-type': 'text/plain' },
      });
      expectProblem(result, 415, 'unsupported-media-type');
    });

    it('400 problem+json for malformed JSON', async () => {
      const result = await api.request('POST', '/v1/items', {
        body: '{"uri": "urn:x",',
        headers: { 'content-type': 'application/json' },
      });
      const problem = expectProblem(result, 400, 'validation-error');
      expect(JSON.stringify(problem.errors)).toMatch(/malformed JSON/);
    });

    it('401 problem+json for an unknown API key', async () => {
      const unknownKey = `dwk_${Buffer.alloc(32, 7).toString('base64url')}`;
      const result = await api.request('GET', `/v1/items/${itemId}`, { apiKey: unknownKey });
      expectProblem(result, 401, 'unauthorized');
    });

    it('401 from the gateway when the Authorization header is missing', async () => {
      const result = await api.request('GET', `/v1/items/${itemId}`, { anonymous: true });
      expect(result.status).toBe(401);
      expect(jsonOf(result)).toEqual({ message: 'Unauthorized' });
    });

    it('404 problem+json for an unknown route', async () => {
      expectProblem(await api.request('GET', '/v2/nothing-here'), 404, 'not-found');
    });

    it("a problem's type URI resolves, against the API, to its documentation (no API key needed)", async () => {
      const problem = expectProblem(await api.request('GET', '/v2/nothing-here'), 404, 'not-found');
      const page = await api.request('GET', String(problem.type), { anonymous: true });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.text).toContain('<code>/problems/not-found</code>');
    });
  });

  it('stops on SIGTERM and takes its DynamoDB Local with it', async () => {
    expect(runningDynamoDbOf(dataDir)).toBeTypeOf('number');
    await cloud.stop();
    expect(cloud.process.exitCode).toBe(0);
    expect(runningDynamoDbOf(dataDir)).toBeUndefined();
  });
});
