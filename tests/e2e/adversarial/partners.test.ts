/**
 * Issue 10, attacks by or on a partner, against the local cloud over real HTTP: a revoked partner's
 * webhook keeps nothing flowing (#1), keys rotate one at a time (#3), and one partner's flood is
 * refused with 429 while another partner is never refused (#8).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../../support/webhook-receiver';
import { jsonOf, smallItem, waitFor } from '../support/helpers';
import type { RunningCloud } from '../support/local-cloud';
import {
  createPartner,
  type PartnerApi,
  partnerApi,
  startSubscriberCloud,
  subscribe,
} from '../support/subscribers';
import { REPO_ROOT } from '../support/synth';

const execFileAsync = promisify(execFile);
/**
 * Each partner's share: 2 requests a second, bursts of 4, one share across every container of every
 * API function (the local cloud runs several per function under a flood). A flood from 8 loops
 * exceeds it on any machine; a partner sending one request every 1.5 s never does.
 */
const RATE_LIMIT = '2/4';
const SHARE = { ratePerSecond: 2, burst: 4 };

let cloud: RunningCloud;
let dataDir: string;
let stopCloud: (() => Promise<void>) | undefined;

/** `npm run partners -- --local <args>` against this cloud. */
async function partners(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('npx', ['tsx', 'scripts/partners.ts', '--local', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DIPLOWIRE_LOCAL_DIR: dataDir },
    timeout: 60_000,
  });
  return stdout;
}

beforeAll(async () => {
  const started = await startSubscriberCloud('partners', { PARTNER_RATE_LIMIT: RATE_LIMIT });
  cloud = started.cloud;
  dataDir = started.dataDir;
  stopCloud = started.stop;
}, 420_000);

afterAll(async () => {
  await stopCloud?.();
});

describe('revocation stops webhooks (#1)', () => {
  const attacker = new WebhookReceiver();
  const control = new WebhookReceiver();
  afterAll(async () => {
    await Promise.all([attacker.stop(), control.stop()]);
  });

  it("a leaked events:all key's subscription receives nothing once its partner is revoked", async () => {
    await Promise.all([attacker.start(), control.start()]);
    const all = ['items:write', 'items:read', 'webhooks:manage', 'events:all'];
    const [leaked, watcher, victim] = await Promise.all([
      createPartner(dataDir, 'leaked', all),
      createPartner(dataDir, 'watcher', all),
      createPartner(dataDir, 'victim'),
    ]);
    // The attacker registers its URL with the leaked key; a legitimate partner watches everything too.
    const stolen = await subscribe(partnerApi(cloud.endpoints, leaked.apiKey), attacker.url);
    const watching = await subscribe(partnerApi(cloud.endpoints, watcher.apiKey), control.url);
    attacker.verifyWith(stolen.secret);
    control.verifyWith(watching.secret);

    const out = await partners('revoke', leaked.partnerId);
    expect(out).toContain('disabled 1 webhook subscription(s)');

    const submitted = await partnerApi(cloud.endpoints, victim.apiKey).submit(smallItem());
    expect(submitted.status).toBe(201);
    const { id } = jsonOf<{ id: string }>(submitted);
    // The same fan-out that serves the watcher would have served the attacker.
    await waitFor(
      () => control.received.some((r) => r.body.includes(id)),
      60_000,
      'the watcher to receive the item',
    );
    expect(attacker.received.filter((r) => r.body.includes(id))).toEqual([]);
  }, 180_000);
});

describe('key rotation (#3)', () => {
  it('a second key corrects the items of the first after the first is revoked; revoking a key leaves the partner', async () => {
    const partner = await createPartner(dataDir, 'rotating');
    const first = partnerApi(cloud.endpoints, partner.apiKey);
    const created = await first.submit(smallItem());
    expect(created.status).toBe(201);
    const { id } = jsonOf<{ id: string }>(created);

    const added = JSON.parse((await partners('add-key', partner.partnerId, '--json')).trim()) as {
      apiKey: string;
    };
    expect(await partners('revoke-key', partner.apiKey.slice(0, 12))).toContain('other keys stay active');

    const second = partnerApi(cloud.endpoints, added.apiKey);
    const corrected = await second.request('PUT', `/v1/items/${id}`, {
      body: JSON.stringify({ ...smallItem(), uri: jsonOf<{ uri: string }>(created).uri }),
      headers: { 'content-type': 'application/json', 'if-match': '"1"' },
    });
    expect(corrected.status, corrected.text).toBe(200);

    // A key revoked before its first use is refused at once (no gateway cache entry to outlive it).
    const third = JSON.parse((await partners('add-key', partner.partnerId, '--json')).trim()) as {
      apiKey: string;
    };
    await partners('revoke-key', third.apiKey.slice(0, 12));
    const refused = await partnerApi(cloud.endpoints, third.apiKey).request('GET', `/v1/items/${id}`);
    expect(refused.status).toBe(401);
    expect((await second.request('GET', `/v1/items/${id}`)).status).toBe(200);
  }, 180_000);
});

describe('fair share (#8)', () => {
  let a: PartnerApi;
  let b: PartnerApi;

  it("one partner's flood gets 429 problem+json with Retry-After; another partner is never refused meanwhile", async () => {
    const [pa, pb] = await Promise.all([
      createPartner(dataDir, 'flooder'),
      createPartner(dataDir, 'bystander'),
    ]);
    a = partnerApi(cloud.endpoints, pa.apiKey);
    b = partnerApi(cloud.endpoints, pb.apiKey);
    const missing = '/v1/items/itm_00000000000000000000000000';

    let flooding = true;
    const floodStatuses: number[] = [];
    const floodStarted = Date.now();
    let limited: Awaited<ReturnType<PartnerApi['request']>> | undefined;
    const flood = Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let n = 0; flooding && n < 40; n++) {
          const result = await a.request('GET', missing);
          floodStatuses.push(result.status);
          if (result.status === 429) limited ??= result;
        }
      }),
    ).then(() => Date.now());
    // B, at a polite pace, all through the flood.
    const bStatuses: number[] = [];
    for (let n = 0; n < 6; n++) {
      bStatuses.push((await b.request('GET', missing)).status);
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    flooding = false;
    const floodSeconds = ((await flood) - floodStarted) / 1000;

    expect(bStatuses.every((s) => s === 404)).toBe(true);
    expect(floodStatuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    // One share however many containers served the flood: the burst plus the rate over its duration
    // (plus one for a request decided as the flood ended). Per-container buckets let several times that through.
    const served = floodStatuses.filter((s) => s === 404).length;
    expect(served).toBeLessThanOrEqual(SHARE.burst + Math.ceil(SHARE.ratePerSecond * floodSeconds) + 1);
    expect(floodStatuses.every((s) => s === 404 || s === 429)).toBe(true);
    expect(limited?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(jsonOf<{ type: string; status: number }>(limited!)).toMatchObject({
      type: '/problems/too-many-requests',
      status: 429,
    });
  }, 180_000);
});
