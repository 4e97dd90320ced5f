import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoPartnerStore } from '#shared/adapters/dynamodb/partner-store.ts';
import { DynamoSubscriptionStore } from '#shared/adapters/dynamodb/subscription-store.ts';
import { newId } from '#shared/domain/ids.ts';
import type { Subscription } from '#shared/domain/webhooks/model.ts';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createPartnersTable, createWebhooksTable } from '../support/tables';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let tableName: string;
let client: DynamoDBDocumentClient;
let store: DynamoPartnerStore;
let webhooksTable: string;
let webhooks: DynamoSubscriptionStore;

beforeAll(async () => {
  const raw = localDynamoClient();
  tableName = await createPartnersTable(raw, uniqueTableName('partners'));
  client = DynamoDBDocumentClient.from(raw);
  store = new DynamoPartnerStore(raw, tableName);
  webhooksTable = await createWebhooksTable(raw, uniqueTableName('webhooks'));
  webhooks = new DynamoSubscriptionStore(raw, webhooksTable);
});

/** A webhook subscription of the partner, as the subscriptions API stores it. */
async function subscription(partnerId: string): Promise<Subscription> {
  const at = new Date().toISOString();
  const sub: Subscription = {
    subscriptionId: newId('sub'),
    partnerId,
    url: 'https://receiver.example/hook',
    eventTypes: ['NewsItemPublished'],
    filter: {},
    status: 'active',
    createdAt: at,
    updatedAt: at,
  };
  expect(await webhooks.createSubscription(sub, { secret: 'whsec_x', createdAt: at }, 25)).toBe(true);
  return sub;
}

/** Runs the real CLI as an operator would, against DynamoDB Local. */
function partners(...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
    PARTNERS_TABLE_NAME: tableName,
    WEBHOOKS_TABLE_NAME: webhooksTable,
  };
  delete env.AWS_ENDPOINT_URL_DYNAMODB;
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'scripts/partners.ts', ...args],
      { env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function createJson(name: string, ...extra: string[]): Promise<{ partnerId: string; apiKey: string }> {
  const run = await partners('create', name, '--json', ...extra);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

async function allRows(): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client }, { TableName: tableName, ConsistentRead: true })) {
    rows.push(...(page.Items ?? []));
  }
  return rows;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

// Each case starts the CLI as a child process: seconds each on a busy 2-core machine.
describe('partners CLI', { timeout: 240_000 }, () => {
  it('create --json prints one JSON line with the id and the key, and stores only the hash', async () => {
    const run = await partners('create', 'Kuwait News Agency', '--json');

    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    const output = JSON.parse(lines[0]!);
    expect(Object.keys(output)).toEqual(['partnerId', 'apiKey']);
    expect(output.partnerId).toMatch(/^ptn_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(output.apiKey).toMatch(/^dwk_[A-Za-z0-9_-]{43}$/);

    const key = await store.findKeyByHash(sha256(output.apiKey));
    expect(key).toMatchObject({
      partnerId: output.partnerId,
      partnerName: 'Kuwait News Agency',
      keyPrefix: output.apiKey.slice(0, 12),
      scopes: ['items:write', 'items:read', 'webhooks:manage'],
      status: 'active',
    });
    const stored = JSON.stringify(await allRows());
    expect(stored).not.toContain(output.apiKey);
    expect(stored).not.toContain(output.apiKey.slice(12));
  });

  it('create without --json shows the key once, with the requested scopes', async () => {
    const run = await partners('create', 'Agence Belga', '--scopes', 'items:read');

    expect(run.code, run.stderr).toBe(0);
    const apiKey = /dwk_[A-Za-z0-9_-]{43}/.exec(run.stdout)?.[0];
    expect(apiKey).toBeDefined();
    expect((await store.findKeyByHash(sha256(apiKey!)))?.scopes).toEqual(['items:read']);
  });

  it('list shows partners, their status and key prefixes, but never keys or hashes', async () => {
    const { partnerId, apiKey } = await createJson('Listed Agency');

    const json = await partners('list', '--json');
    const table = await partners('list');

    expect(json.code, json.stderr).toBe(0);
    const listed = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(listed).toContainEqual({
      partnerId,
      name: 'Listed Agency',
      status: 'active',
      keyPrefixes: [apiKey.slice(0, 12)],
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(
      new RegExp(`${partnerId}\\s+Listed Agency\\s+active\\s+${apiKey.slice(0, 12)}`),
    );
    for (const output of [json.stdout, table.stdout]) {
      expect(output).not.toContain(apiKey);
      expect(output).not.toContain(sha256(apiKey));
    }
  });

  it('revoke by partner id revokes the partner, its keys and disables all its webhook subscriptions', async () => {
    const { partnerId, apiKey } = await createJson('Revoked By Id');
    const second = JSON.parse((await partners('add-key', partnerId, '--json')).stdout) as { apiKey: string };
    const subs = [await subscription(partnerId), await subscription(partnerId)];
    const bystander = await createJson('Bystander');
    const bystanderSub = await subscription(bystander.partnerId);

    const run = await partners('revoke', partnerId);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(partnerId);
    expect(run.stdout).toContain('disabled 2 webhook subscription(s)');
    expect((await store.findKeyByHash(sha256(apiKey)))?.status).toBe('revoked');
    expect((await store.findKeyByHash(sha256(second.apiKey)))?.status).toBe('revoked');
    expect((await store.listPartners()).find((p) => p.partnerId === partnerId)?.status).toBe('revoked');
    for (const sub of subs) {
      expect(await webhooks.getSubscription(sub.subscriptionId)).toMatchObject({ status: 'disabled' });
    }
    expect(await webhooks.findMatches('NewsItemPublished', 'ptn_any')).not.toContainEqual(
      expect.objectContaining({ partnerId }),
    );
    expect(await webhooks.getSubscription(bystanderSub.subscriptionId)).toMatchObject({ status: 'active' });
    expect((await store.findKeyByHash(sha256(bystander.apiKey)))?.status).toBe('active');

    // Re-running is safe (it finishes a revocation that stopped half-way).
    const again = await partners('revoke', partnerId);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('disabled 0 webhook subscription(s)');
  });

  it('add-key adds a second active key with the same scopes; revoke-key revokes one key, never the partner', async () => {
    const { partnerId, apiKey: oldKey } = await createJson('Rotating', '--scopes', 'items:read,events:all');
    const added = await partners('add-key', partnerId, '--json');
    expect(added.code, added.stderr).toBe(0);
    const { apiKey: newKey } = JSON.parse(added.stdout) as { apiKey: string };
    expect(newKey).toMatch(/^dwk_[A-Za-z0-9_-]{43}$/);
    expect(await store.findKeyByHash(sha256(newKey))).toMatchObject({
      partnerId,
      partnerName: 'Rotating',
      scopes: ['items:read', 'events:all'],
      status: 'active',
    });
    const listed = (await store.listPartners()).find((p) => p.partnerId === partnerId);
    expect(listed?.keyPrefixes).toEqual([oldKey.slice(0, 12), newKey.slice(0, 12)]);
    const sub = await subscription(partnerId);

    const run = await partners('revoke-key', oldKey.slice(0, 12));

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('other keys stay active');
    expect((await store.findKeyByHash(sha256(oldKey)))?.status).toBe('revoked');
    expect((await store.findKeyByHash(sha256(newKey)))?.status).toBe('active');
    const after = (await store.listPartners()).find((p) => p.partnerId === partnerId);
    expect(after).toMatchObject({ status: 'active', keyPrefixes: [newKey.slice(0, 12)] });
    expect(await webhooks.getSubscription(sub.subscriptionId)).toMatchObject({ status: 'active' });

    const twice = await partners('revoke-key', oldKey.slice(0, 12));
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stdout).toContain('already revoked');

    // --scopes narrows a new key; a revoked partner gets no new key.
    const narrow = JSON.parse(
      (await partners('add-key', partnerId, '--json', '--scopes', 'items:read')).stdout,
    );
    expect((await store.findKeyByHash(sha256(narrow.apiKey)))?.scopes).toEqual(['items:read']);
    expect((await partners('revoke', partnerId)).code).toBe(0);
    const refused = await partners('add-key', partnerId);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`No active partner "${partnerId}"`);
  });

  it('exits 1 with a message on stderr for an unknown partner or key prefix', async () => {
    const cases = [
      ['revoke', 'ptn_00000000000000000000000000', 'No partner matches'],
      ['revoke-key', 'dwk_nosuchkey', 'No key matches'],
      ['add-key', 'ptn_00000000000000000000000000', 'No active partner'],
    ] as const;
    for (const [command, unknown, message] of cases) {
      const run = await partners(command, unknown);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${message} "${unknown}"`);
      expect(run.stdout).toBe('');
    }
  });

  it('exits 2 on usage errors and 0 on --help', async () => {
    const help = await partners('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage:');

    const usageErrors = [
      [],
      ['frobnicate'],
      ['create'],
      ['create', 'X', '--scopes', 'items:delete'],
      ['revoke', 'bob'],
      // A key prefix no longer revokes a whole partner: revoke-key revokes just that key.
      ['revoke', 'dwk_abcdefgh'],
      ['revoke-key', 'ptn_00000000000000000000000000'],
      ['add-key', 'dwk_abcdefgh'],
      ['list', '--scopes', 'items:read'],
    ];
    // Three at a time: a CLI start is seconds of CPU on a busy machine.
    const runs: Run[] = [];
    for (let i = 0; i < usageErrors.length; i += 3) {
      runs.push(...(await Promise.all(usageErrors.slice(i, i + 3).map((args) => partners(...args)))));
    }
    for (const [index, run] of runs.entries()) {
      expect(run.code, usageErrors[index]?.join(' ')).toBe(2);
      expect(run.stderr).toContain('--help');
    }
    expect((await store.listPartners()).map((p) => p.name)).not.toContain('X');
  });
});
