/**
 * Each partner's share of the API on DynamoDB Local (issue 10 #8): one shared GCRA row per partner,
 * so a flood that scales the API to many containers still gets one share, not one per container.
 */

import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoPartnerRateGate } from '#shared/adapters/dynamodb/partner-rate-gate.ts';
import { partnerRateKey } from '#shared/adapters/dynamodb/table-design.ts';
import { httpHandler, json } from '#shared/adapters/http/index.ts';
import { Logger } from '#shared/adapters/logger.ts';
import { Metrics } from '#shared/adapters/metrics.ts';
import { newId } from '#shared/domain/ids.ts';
import { LEASE_LIFETIME_MS, maxLeaseOf } from '#shared/domain/rate-lease.ts';
import { InMemoryPartnerRateGate, intervalMs, type RateLimit } from '#shared/domain/rate-limit.ts';
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

  it('without leasing, decides exactly as the in-memory model, request by request (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ ratePerSecond: fc.integer({ min: 1, max: 50 }), burst: fc.integer({ min: 1, max: 20 }) }),
        fc.array(fc.record({ partner: fc.nat(2), advanceMs: fc.nat(400), container: fc.nat(2) }), {
          minLength: 1,
          maxLength: 25,
        }),
        async (limit, requests) => {
          const partners = [newId('ptn'), newId('ptn'), newId('ptn')];
          const containers = [0, 1, 2].map(
            () => new DynamoPartnerRateGate(client, table, limit, { maxLease: 1 }),
          );
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

  it('a fresh container leases 1: its first request of a partner decides exactly as the model', async () => {
    const limit = { ratePerSecond: 10, burst: 40 };
    const partner = newId('ptn');
    const model = new InMemoryPartnerRateGate(limit);
    for (let i = 0; i < 45; i++) {
      // A new container per request (a cold start each time): no lease to spend, none taken beyond 1.
      const decision = await new DynamoPartnerRateGate(client, table, limit).take(partner, NOW + i * 10);
      expect(decision).toEqual(await model.take(partner, NOW + i * 10));
    }
  });
});

describe('token leasing (issue 13)', () => {
  it('never admits more than the share over any window plus one lease lifetime, nor more than the share plus the tokens containers hold (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Slow refills (a lifetime is worth a few intervals at most) and big bursts, so the bounds are tight.
        fc.record({ ratePerSecond: fc.integer({ min: 1, max: 5 }), burst: fc.integer({ min: 8, max: 40 }) }),
        fc.array(
          fc.record({
            advanceMs: fc.oneof(
              { arbitrary: fc.nat(60), weight: 6 },
              { arbitrary: fc.integer({ min: 900, max: 2500 }), weight: 1 },
            ),
            container: fc.nat(2),
            repeat: fc.integer({ min: 1, max: 12 }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        async (limit, arrivals) => {
          const partner = newId('ptn');
          const containers = [0, 1, 2].map(() => new DynamoPartnerRateGate(client, table, limit));
          const interval = intervalMs(limit);
          const admitted: number[] = [];
          let now = NOW;
          for (const arrival of arrivals) {
            now += arrival.advanceMs;
            for (let r = 0; r < arrival.repeat; r++) {
              if ((await containers[arrival.container]!.take(partner, now)).allowed) admitted.push(now);
            }
          }
          for (let i = 0; i < admitted.length; i++) {
            for (let j = i; j < admitted.length; j++) {
              const window = admitted[j]! - admitted[i]!;
              const count = j - i + 1;
              expect(count).toBeLessThanOrEqual(
                limit.burst + Math.floor((window + LEASE_LIFETIME_MS) / interval),
              );
              expect(count).toBeLessThanOrEqual(
                limit.burst + Math.floor(window / interval) + containers.length * maxLeaseOf(limit),
              );
            }
          }
        },
      ),
      {
        numRuns: 30,
        // A container's leases growing while the share runs out (a lease must shrink to what is left).
        examples: [
          [
            { ratePerSecond: 1, burst: 19 },
            [
              { advanceMs: 0, container: 0, repeat: 2 },
              { advanceMs: 0, container: 1, repeat: 6 },
              { advanceMs: 0, container: 0, repeat: 8 },
              { advanceMs: 0, container: 0, repeat: 5 },
            ],
          ],
        ],
      },
    );
  });

  it('a single container under its share at a steady rate is never refused (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          ratePerSecond: fc.integer({ min: 1, max: 100 }),
          burst: fc.integer({ min: 1, max: 200 }),
        }),
        fc.integer({ min: 0, max: 400 }),
        async (limit, extraMs) => {
          const partner = newId('ptn');
          const gate = new DynamoPartnerRateGate(client, table, limit);
          const gap = intervalMs(limit) + extraMs;
          for (let n = 0; n < 40; n++) {
            expect(await gate.take(partner, NOW + n * gap), `request ${n}`).toEqual({ allowed: true });
          }
        },
      ),
      { numRuns: 10 },
    );
  });

  it('under steady load a container writes about once per lease of k requests, not once per request', async () => {
    const limit = { ratePerSecond: 100, burst: 200 };
    const writesFor = async (options: { maxLease?: number }) => {
      const { client: counted, calls } = countingClient();
      const gate = new DynamoPartnerRateGate(counted, table, limit, options);
      const partner = newId('ptn');
      // 30 requests a second, as one client submitting in sequence reaches on the local cloud.
      for (let n = 0; n < 200; n++) expect((await gate.take(partner, NOW + n * 33)).allowed).toBe(true);
      return calls.count;
    };
    const unleased = await writesFor({ maxLease: 1 });
    const leased = await writesFor({});
    expect(unleased).toBe(200);
    // The ramp (1, 2, 4, 8) and then leases of 10: 4 + ceil(185 / 10) writes.
    expect(leased).toBeGreaterThanOrEqual(20);
    expect(leased).toBeLessThanOrEqual(24);
  });

  it("a lease's tokens are spent without a write until it expires, and dropped after", async () => {
    const { client: counted, calls } = countingClient();
    const gate = new DynamoPartnerRateGate(counted, table, { ratePerSecond: 10, burst: 40 });
    const partner = newId('ptn');
    // Leases of 1, 2, 4 (at 0, 10, 30 ms): the one at 30 ms leaves 3 tokens.
    for (const t of [0, 10, 20, 30]) expect((await gate.take(partner, NOW + t)).allowed).toBe(true);
    expect(calls.count).toBe(3);
    expect((await gate.take(partner, NOW + 30 + LEASE_LIFETIME_MS - 1)).allowed).toBe(true);
    expect(calls.count).toBe(3);
    expect((await gate.take(partner, NOW + 30 + LEASE_LIFETIME_MS)).allowed).toBe(true);
    expect(calls.count).toBe(4);
    // The share was billed 1 + 2 + 4 intervals, then a fresh lease of 2 (the last one saw 2 requests
    // in its lifetime): the expired token is not carried over.
    const { Item } = await client.send(
      new GetItemCommand({ TableName: table, Key: marshall(partnerRateKey(partner)), ConsistentRead: true }),
    );
    expect(unmarshall(Item!).tat).toBe(NOW + 30 + LEASE_LIFETIME_MS + 200);
  });

  it('tokens idle in one container can refuse a request in another, by at most what that container holds', async () => {
    const limit = { ratePerSecond: 1, burst: 8 }; // leases of up to 2
    const partner = newId('ptn');
    const [a, b] = [0, 1].map(() => new DynamoPartnerRateGate(client, table, limit));
    // A takes 1, then 2 (one spent, one left idle); B takes the rest of the burst.
    expect((await a!.take(partner, NOW)).allowed).toBe(true);
    expect((await a!.take(partner, NOW + 10)).allowed).toBe(true);
    let bAllowed = 0;
    for (let i = 0; i < 8; i++) if ((await b!.take(partner, NOW + 20)).allowed) bAllowed++;
    expect(bAllowed).toBe(5);
    // The idle token is still A's to spend: 8 in all, the burst.
    expect((await a!.take(partner, NOW + 30)).allowed).toBe(true);
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
