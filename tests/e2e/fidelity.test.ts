/**
 * The local cloud runs what the template says, not what it knows about Diplowire: two synths of one tiny
 * app differ only in a route path and a rule's detail-type (CDK context), and each runs as synthesized.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, describe, expect, it } from 'vitest';
import { FIDELITY } from './fixtures/fidelity-names';
import { eventsOnBus, localSqsClient, queueCollector, sleep } from './support/helpers';
import { killLeftoverDynamoDb, type RunningCloud, startCloud } from './support/local-cloud';
import { synthesize } from './support/synth';

const VARIANTS = [
  { routePath: '/hello', detailType: 'FidelityHello' },
  { routePath: '/bonjour', detailType: 'FidelityBonjour' },
] as const;

const dataDirs: string[] = [];
let running: RunningCloud | undefined;

afterAll(async () => {
  await running?.stop();
  for (const dir of dataDirs) {
    await killLeftoverDynamoDb(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe.each(VARIANTS)(
  'the fidelity app synthesized with routePath=$routePath detailType=$detailType',
  (variant) => {
    const other = VARIANTS.find((v) => v !== variant) as (typeof VARIANTS)[number];

    it('serves its route, 404s the other, and routes only its detail-type to the queue', async () => {
      const cdkOut = await synthesize({
        app: 'tests/e2e/fixtures/fidelity-app.ts',
        context: { routePath: variant.routePath, detailType: variant.detailType },
        sources: [
          'tests/e2e/fixtures/fidelity-app.ts',
          'tests/e2e/fixtures/fidelity-names.ts',
          'tests/e2e/fixtures/fidelity-route',
          'cdk.json',
          'package-lock.json',
        ],
      });
      const dataDir = mkdtempSync(join(tmpdir(), 'diplowire-e2e-fidelity-'));
      dataDirs.push(dataDir);
      const cloud = await startCloud({ dataDir, cdkOut, fresh: true });
      running = cloud;
      const { endpoints } = cloud;
      expect(endpoints.eventBusName).toBe(FIDELITY.eventBusName);

      // HTTP API: the route from the template answers, the other variant's path does not exist.
      const own = await fetch(`${endpoints.api}${variant.routePath}`);
      expect(own.status).toBe(200);
      expect(await own.json()).toEqual({ routeKey: `GET ${variant.routePath}`, rawPath: variant.routePath });
      const foreign = await fetch(`${endpoints.api}${other.routePath}`);
      expect(foreign.status).toBe(404);
      await foreign.text();

      // EventBridge: PutEvents with the real SDK; only this variant's detail-type matches the rule.
      const eventBridge = new EventBridgeClient({
        endpoint: endpoints.eventbridge,
        region: endpoints.region,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const sqs = localSqsClient(endpoints);
      try {
        const marker = randomUUID();
        const put = await eventBridge.send(
          new PutEventsCommand({
            Entries: [variant.detailType, other.detailType].map((detailType) => ({
              EventBusName: FIDELITY.eventBusName,
              Source: FIDELITY.eventSource,
              DetailType: detailType,
              Detail: JSON.stringify({ marker, detailType }),
            })),
          }),
        );
        expect(put.FailedEntryCount).toBe(0);
        const [ownId, otherId] = (put.Entries ?? []).map((entry) => entry.EventId);

        const log = await eventsOnBus(endpoints);
        const record = (id: string | undefined) => log.find((r) => r.event.id === id);
        expect(record(ownId)?.matchedRules).toEqual([FIDELITY.ruleName]);
        expect(record(otherId)?.matchedRules).toEqual([]);

        const queue = queueCollector(sqs, FIDELITY.queueName);
        const delivered = await queue.waitFor(
          (m) => JSON.parse(m.Body ?? '{}').id === ownId,
          15_000,
          `event ${ownId} on ${FIDELITY.queueName}`,
        );
        expect(JSON.parse(delivered.Body ?? '{}')['detail-type']).toBe(variant.detailType);
        // Nothing else arrives: the other detail-type was not routed.
        await sleep(1500);
        await queue.poll();
        expect(queue.received.map((m) => JSON.parse(m.Body ?? '{}')['detail-type'])).toEqual([
          variant.detailType,
        ]);
      } finally {
        eventBridge.destroy();
        sqs.destroy();
        await cloud.stop();
        running = undefined;
      }
    });
  },
);
