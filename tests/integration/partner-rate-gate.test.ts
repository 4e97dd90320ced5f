/**
 * Each partner's share of the API on DynamoDB Local (issue 10 #8): one shared GCRA row per partner,
 * so a flood that scales the API to many containers still gets one share, not one per container.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoPartnerRateGate } from '#shared/adapters/dynamodb/partner-rate-gate.ts';
import { partnerRateKey } from '#shared/adapters/dynamodb/table-design.ts';
import { httpHandler, json } from '#shared/adapters/http/index.ts';
import { newId } from '#shared/domain/ids.ts';
import { InMemoryPartnerRateGate, type RateLimit } from '#shared/domain/rate-limit.ts';
import { httpEvent, lambdaContext, partnerContext, responseHeader } from '../support/api-events';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createPartnersTable } from '../support/tables';

const client = localDynamoClient();
let table: string;
const LIMIT: RateLimit = { ratePerSecond: 10, burst: 20 };
const NOW = Date.UTC(2026, 11, 5, 12);

/** Counts the requests a client sends to DynamoDB (an SDK middleware: the calls stay real). */
function countingClient() {
  const counted = localDynamoClient();
  const calls = { count: 0 };
  counted.middlewareStack.add(
    (next) => async (args) => {
      calls.count++;
      return next(args);
    },
    { step: 'initialize' },
  );
  return { client: counted, calls };
}

beforeAll(async () => {
  table = await createPartnersTable(client, uniqueTableName('partner-rate'));
});

describe('DynamoPartnerRateGate', () => {
  it('five containers share one burst: of 100 concurrent requests exactly 20 go, however they are spread', async () => {
    const partner = newId('ptn');
    const containers = Array.from({ length: 5 }, () => new DynamoPartnerRateGate(client, table, LIMIT));
    const decisions = await Promise.all(
      Array.from({ length: 100 }, (_, i) => containers[i % 5]!.take(partner, NOW)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(20);
    for (const refused of decisions.filter((d) => !d.allowed)) {
      expect(refused).toEqual({ allowed: false, retryAfterSeconds: 1, untilMs: NOW + 100 });
    }
    // Per-container buckets (the old design) would have let all 100 through.
    const { Item } = await client.send(
      new GetItemCommand({ TableName: table, Key: marshall(partnerRateKey(partner)), ConsistentRead: true }),
    );
    expect(unmarshall(Item!)).toMatchObject({ tat: NOW + 2000, entity: 'PartnerRate' });
  });

  it("refills at the rate for every container, and one partner's flood leaves another's share whole", async () => {
    const [a, b] = [newId('ptn'), newId('ptn')];
    const one = new DynamoPartnerRateGate(client, table, LIMIT);
    const other = new DynamoPartnerRateGate(client, table, LIMIT);
    for (let i = 0; i < 20; i++) expect((await one.take(a, NOW)).allowed).toBe(true);
    expect((await other.take(a, NOW + 50)).allowed).toBe(false);
    expect(await other.take(a, NOW + 100)).toEqual({ allowed: true });
    expect((await one.take(a, NOW + 100)).allowed).toBe(false);
    for (let i = 0; i < 20; i++) expect((await other.take(b, NOW + 100)).allowed).toBe(true);
    // After an idle spell, the whole burst is back.
    for (let i = 0; i < 20; i++) expect((await one.take(a, NOW + 60_000)).allowed).toBe(true);
  });

  it('a container remembers a refusal: a flood costs one write per refusal window, not one per request', async () => {
    const partner = newId('ptn');
    const { client: counted, calls } = countingClient();
    const gate = new DynamoPartnerRateGate(counted, table, { ratePerSecond: 1, burst: 1 });
    expect(await gate.take(partner, NOW)).toEqual({ allowed: true });
    const before = calls.count;
    const refusals = [];
    for (let i = 0; i < 50; i++) refusals.push(await gate.take(partner, NOW + i * 10));
    expect(refusals.every((d) => !d.allowed)).toBe(true);
    // The first refusal asked the table (two conditional writes at most); the other 49 did not.
    expect(calls.count - before).toBeLessThanOrEqual(2);
    expect(await gate.take(partner, NOW + 1000)).toEqual({ allowed: true });
  });

  it('decides exactly as the in-memory model, request by request (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ ratePerSecond: fc.integer({ min: 1, max: 50 }), burst: fc.integer({ min: 1, max: 5 }) }),
        fc.array(fc.record({ partner: fc.nat(2), advanceMs: fc.nat(400), container: fc.nat(2) }), {
          minLength: 1,
          maxLength: 25,
        }),
        async (limit, requests) => {
          const partners = [newId('ptn'), newId('ptn'), newId('ptn')];
          const containers = [0, 1, 2].map(() => new DynamoPartnerRateGate(client, table, limit));
          const model = new InMemoryPartnerRateGate(limit);
          let now = NOW;
          for (const request of requests) {
            now += request.advanceMs;
            const partner = partners[request.partner]!;
            const shared = await containers[request.container]!.take(partner, now);
            expect(shared).toEqual(await model.take(partner, now));
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('the HTTP layer and the share', () => {
  const event = (partnerId: string) =>
    httpEvent({ routeKey: 'GET /v1/items', authorizer: partnerContext(partnerId, 'items:read') });
  const metrics = new Metrics({ namespace: 'Diplowire', serviceName: 'test' });
  const handlerWith = (gate: DynamoPartnerRateGate) =>
    httpHandler(
      { 'GET /v1/items': async () => json(200, { ok: true }) },
      { logger: new Logger({ logLevel: 'SILENT' }), metrics, partnerRateGate: gate },
    );

  it('answers 429 problem+json with Retry-After over the share, before the route runs', async () => {
    const handler = handlerWith(new DynamoPartnerRateGate(client, table, { ratePerSecond: 0.5, burst: 1 }));
    const partner = newId('ptn');
    expect((await handler(event(partner), lambdaContext())).statusCode).toBe(200);
    const refused = await handler(event(partner), lambdaContext());
    expect(refused.statusCode).toBe(429);
    expect(responseHeader(refused, 'content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(responseHeader(refused, 'retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(responseHeader(refused, 'retry-after'))).toBeLessThanOrEqual(2);
    expect(JSON.parse(refused.body!)).toMatchObject({ type: '/problems/too-many-requests', status: 429 });
  });

  it('lets requests through when the share cannot be read (the table is gone): the limit never takes the API down', async () => {
    const handler = handlerWith(new DynamoPartnerRateGate(client, uniqueTableName('no-such-table'), LIMIT));
    const added = vi.spyOn(metrics, 'addMetric');
    const response = await handler(event(newId('ptn')), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(added).toHaveBeenCalledWith('PartnerRateLimitUnavailable', 'Count', 1);
  });
});
