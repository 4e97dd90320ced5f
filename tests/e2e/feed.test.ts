/**
 * The consumer feed on the local cloud, over real HTTP: a consumer (feed:read, entitled by the
 * partners CLI) follows GET /v1/feed with long-poll while two partners submit, correct and retract;
 * the cloud is stopped and started again in between. The consumer keeps only its cursor across the
 * restart, and must end up with every change exactly once, each item's versions in order.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventIdOf } from '#shared/domain/events.ts';
import { type ApiClient, apiClient, jsonOf, sleep, smallItem, waitFor } from './support/helpers';
import { killLeftoverDynamoDb, type RunningCloud, startCloud } from './support/local-cloud';
import { REPO_ROOT, synthesize } from './support/synth';

const run = promisify(execFile);

let dataDir: string;
let cdkOut: string;
let cloud: RunningCloud | undefined;

interface Entry {
  seq: number;
  eventId: string;
  type: string;
  itemId: string;
  version: number;
  source: string;
  document: { uri: string };
}

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run('npx', ['tsx', 'scripts/partners.ts', '--local', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DIPLOWIRE_LOCAL_DIR: dataDir },
    timeout: 60_000,
  });
  return stdout;
}

async function createPartner(name: string, scopes?: string): Promise<{ partnerId: string; apiKey: string }> {
  const stdout = await cli('create', name, ...(scopes ? ['--scopes', scopes] : []), '--json');
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
}

beforeAll(async () => {
  cdkOut = await synthesize();
  dataDir = mkdtempSync(join(tmpdir(), 'diplowire-e2e-feed-'));
  cloud = await startCloud({ dataDir, cdkOut, fresh: true });
  // A first synth bundles every function: minutes on a loaded machine.
}, 600_000);

afterAll(async () => {
  await cloud?.stop();
  if (dataDir) {
    await killLeftoverDynamoDb(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('a consumer following the feed', () => {
  it('sees every change once, in order per item, across a restart of the cloud', async () => {
    const agencyA = await createPartner('agency a');
    const agencyB = await createPartner('agency b');
    const consumer = await createPartner('monitoring desk', 'feed:read');
    const outsider = await createPartner('outsider', 'feed:read');
    await cli(
      'entitle',
      consumer.partnerId,
      '--sources',
      `${agencyA.partnerId},${agencyB.partnerId}`,
      '--languages',
      'all',
    );
    expect(await cli('list')).toContain(`sources=${agencyA.partnerId},${agencyB.partnerId}`);

    let endpoints = cloud!.endpoints;
    const client = (key: string): ApiClient => apiClient(endpoints, key);
    const written = new Set<string>();

    // The consumer: long-polls and keeps nothing but its cursor; tolerates the cloud being away.
    const seen: Entry[] = [];
    let cursor: string | undefined;
    let following = true;
    const follower = (async () => {
      while (following) {
        try {
          const query = new URLSearchParams({ wait: '5', limit: '20', ...(cursor && { cursor }) });
          const page = await client(consumer.apiKey).request('GET', `/v1/feed?${query}`);
          if (page.status !== 200) throw new Error(`feed answered ${page.status}: ${page.text}`);
          const body = jsonOf<{ entries: Entry[]; cursor: string }>(page);
          seen.push(...body.entries);
          cursor = body.cursor;
        } catch {
          await sleep(300);
        }
      }
    })();

    const work = async (partner: { apiKey: string }, rounds: number) => {
      const api = () => client(partner.apiKey);
      for (let n = 0; n < rounds; n++) {
        const item = smallItem();
        const created = jsonOf<{ id: string; version: number }>(await api().submit(item));
        written.add(eventIdOf(created.id, 1));
        if (n % 3 === 0) {
          const corrected = await api().correct(
            created.id,
            { ...item, headlines: [{ value: 'corrected' }] },
            '"1"',
          );
          expect(corrected.status).toBe(200);
          written.add(eventIdOf(created.id, 2));
          if (n % 2 === 0) {
            expect((await api().retract(created.id, '"2"')).status).toBe(200);
            written.add(eventIdOf(created.id, 3));
          }
        }
      }
    };

    await Promise.all([work(agencyA, 8), work(agencyB, 8)]);
    await waitFor(() => seen.length >= written.size, 60_000, 'the consumer to see every change');

    // Stop the cloud (the consumer's requests fail meanwhile), start it again on the same data.
    await cloud!.stop();
    cloud = await startCloud({ dataDir, cdkOut });
    endpoints = cloud.endpoints;
    await Promise.all([work(agencyA, 5), work(agencyB, 5)]);
    await waitFor(
      () => seen.length >= written.size,
      90_000,
      'the consumer to see every change after the restart',
    );
    following = false;
    await follower;

    const ids = seen.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...written].sort());
    const seqs = seen.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const versions = new Map<string, number[]>();
    for (const e of seen) versions.set(e.itemId, [...(versions.get(e.itemId) ?? []), e.version]);
    for (const list of versions.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
    expect(new Set(seen.map((e) => e.type))).toEqual(
      new Set(['NewsItemPublished', 'NewsItemCorrected', 'NewsItemRetracted']),
    );

    // Tenants: a feed:read consumer without an entitlement sees nothing of theirs; a forged cursor is 400.
    const other = jsonOf<{ entries: Entry[] }>(await client(outsider.apiKey).request('GET', '/v1/feed'));
    expect(other.entries).toEqual([]);
    const forged = await client(outsider.apiKey).request(
      'GET',
      `/v1/feed?cursor=${encodeURIComponent(cursor!)}`,
    );
    expect(forged.status).toBe(400);
    expect(forged.headers.get('content-type')).toContain('application/problem+json');

    // ETag: the same page again is 304.
    const first = await client(consumer.apiKey).request(
      'GET',
      `/v1/feed?cursor=${encodeURIComponent(cursor!)}`,
    );
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await client(consumer.apiKey).request(
      'GET',
      `/v1/feed?cursor=${encodeURIComponent(cursor!)}`,
      {
        headers: { 'if-none-match': etag! },
      },
    );
    expect(again.status).toBe(304);
  }, 300_000);

  it("lists a partner's own items by last change, held ones with their release state (GET /v1/items)", async () => {
    const owner = await createPartner('listing owner');
    const outsider = await createPartner('listing outsider');
    const api = apiClient(cloud!.endpoints, owner.apiKey);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const submitted: string[] = [];
    for (const item of [
      smallItem(),
      { ...smallItem(), embargoed: until },
      { ...smallItem(), pubstatus: 'withheld' },
    ]) {
      const created = await api.submit(item);
      expect(created.status).toBe(201);
      submitted.push(jsonOf<{ id: string }>(created).id);
    }
    const [open, embargoed, withheld] = submitted as [string, string, string];
    const current = jsonOf<Record<string, unknown>>(await api.request('GET', `/v1/items/${open}`));
    expect((await api.correct(open, { ...current, headlines: [{ value: 'corrected' }] }, '"1"')).status).toBe(
      200,
    );

    interface Listed {
      id: string;
      version: number;
      headline: string;
      release: { state: string; hold?: string; releaseAt?: string };
    }
    // The listing is projected from the stream: it follows within about a second.
    const listed = await waitFor(
      async () => {
        const page = jsonOf<{ items: Listed[]; cursor?: string }>(await api.request('GET', '/v1/items'));
        return page.items.length === 3 && page.items[0]?.version === 2 ? page : undefined;
      },
      30_000,
      'the listing to show the three items and the correction',
    );
    expect(listed.items.map((i) => i.id)).toEqual([open, withheld, embargoed]);
    expect(listed.items.map((i) => i.release)).toEqual([
      expect.objectContaining({ state: 'public' }),
      { state: 'held', hold: 'withheld' },
      { state: 'held', hold: 'embargo', releaseAt: until },
    ]);
    expect(listed.items[0]?.headline).toBe('corrected');
    expect(listed.cursor).toBeUndefined();

    // Pages of one, each item once; then filters.
    const first = jsonOf<{ items: Listed[]; cursor: string }>(await api.request('GET', '/v1/items?limit=1'));
    const second = jsonOf<{ items: Listed[]; cursor: string }>(
      await api.request('GET', `/v1/items?limit=2&cursor=${encodeURIComponent(first.cursor)}`),
    );
    expect([...first.items, ...second.items].map((i) => i.id)).toEqual([open, withheld, embargoed]);
    const held = jsonOf<{ items: Listed[] }>(await api.request('GET', '/v1/items?held=true'));
    expect(held.items.map((i) => i.id)).toEqual([withheld, embargoed]);

    // Another partner sees none of it, and cannot use the owner's cursor.
    const other = apiClient(cloud!.endpoints, outsider.apiKey);
    expect(jsonOf<{ items: Listed[] }>(await other.request('GET', '/v1/items')).items).toEqual([]);
    const forged = await other.request('GET', `/v1/items?cursor=${encodeURIComponent(first.cursor)}`);
    expect(forged.status).toBe(400);
    expect(forged.headers.get('content-type')).toContain('application/problem+json');
    expect((await api.request('GET', '/v1/items?limit=500')).status).toBe(400);
  }, 120_000);
});
