import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoPartnerStore } from '../../shared/adapters/dynamodb/partner-store';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createPartnersTable } from '../support/tables';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let tableName: string;
let client: DynamoDBDocumentClient;
let store: DynamoPartnerStore;

beforeAll(async () => {
  const raw = localDynamoClient();
  tableName = await createPartnersTable(raw, uniqueTableName('partners'));
  client = DynamoDBDocumentClient.from(raw);
  store = new DynamoPartnerStore(raw, tableName);
});

/** Runs the real CLI as an operator would, against DynamoDB Local. */
function partners(...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
    PARTNERS_TABLE_NAME: tableName,
  };
  delete env.AWS_ENDPOINT_URL_DYNAMODB;
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'scripts/partners.ts', ...args],
      { env, timeout: 25_000 },
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
describe('partners CLI', { timeout: 90_000 }, () => {
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

  it('revoke by partner id revokes the partner and its key', async () => {
    const { partnerId, apiKey } = await createJson('Revoked By Id');

    const run = await partners('revoke', partnerId);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(partnerId);
    expect((await store.findKeyByHash(sha256(apiKey)))?.status).toBe('revoked');
    expect((await store.listPartners()).find((p) => p.partnerId === partnerId)?.status).toBe('revoked');
  });

  it('revoke by key prefix revokes the owning partner only', async () => {
    const target = await createJson('Revoked By Prefix');
    const bystander = await createJson('Still Active');

    const run = await partners('revoke', target.apiKey.slice(0, 12));

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(target.partnerId);
    expect((await store.findKeyByHash(sha256(target.apiKey)))?.status).toBe('revoked');
    expect((await store.findKeyByHash(sha256(bystander.apiKey)))?.status).toBe('active');
  });

  it('exits 1 with a message on stderr for an unknown partner or prefix', async () => {
    for (const unknown of ['ptn_00000000000000000000000000', 'dwk_nosuchkey']) {
      const run = await partners('revoke', unknown);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`No partner or key prefix matches "${unknown}"`);
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
    ];
    const runs = await Promise.all(usageErrors.map((args) => partners(...args)));
    for (const [index, run] of runs.entries()) {
      expect(run.code, usageErrors[index]?.join(' ')).toBe(2);
      expect(run.stderr).toContain('--help');
    }
    expect((await store.listPartners()).map((p) => p.name)).not.toContain('X');
  });
});
