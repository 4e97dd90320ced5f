import { execFile } from 'node:child_process';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoEntitlementStore } from '#shared/adapters/dynamodb/entitlement-store.ts';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createPartnersTable } from '../support/tables';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let tableName: string;
let entitlements: DynamoEntitlementStore;

beforeAll(async () => {
  const raw = localDynamoClient();
  tableName = await createPartnersTable(raw, uniqueTableName('partners'));
  entitlements = new DynamoEntitlementStore(raw, tableName);
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
      { env, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('partners CLI: entitlements', () => {
  it('grants, lists (also in list), replaces and removes an entitlement', async () => {
    const created = await partners('create', 'Desk', '--scopes', 'feed:read', '--json');
    expect(created.code, created.stderr).toBe(0);
    const { partnerId } = JSON.parse(created.stdout) as { partnerId: string };

    const granted = await partners(
      'entitle',
      partnerId,
      '--sources',
      'ptn_a,ptn_b',
      '--languages',
      'ar-KW,en',
      '--types',
      'NewsItemPublished',
      '--places',
      'KWT',
      '--embargoed',
    );
    expect(granted.code, granted.stderr).toBe(0);
    expect(await entitlements.get(partnerId)).toMatchObject({
      sources: ['ptn_a', 'ptn_b'],
      languages: ['ar', 'en'],
      types: ['NewsItemPublished'],
      places: ['KWT'],
      embargoed: true,
    });
    const listed = await partners('list');
    expect(listed.stdout).toContain(
      'sources=ptn_a,ptn_b languages=ar,en types=NewsItemPublished places=KWT embargoed',
    );
    const json = JSON.parse((await partners('list', '--json')).stdout) as { entitlement?: unknown }[];
    expect(json[0]?.entitlement).toMatchObject({ partnerId });
    expect((await partners('entitlements')).stdout).toContain(partnerId);

    expect((await partners('entitle', partnerId, '--sources', 'all', '--languages', 'all')).code).toBe(0);
    expect(await entitlements.get(partnerId)).toMatchObject({
      sources: 'all',
      languages: 'all',
      embargoed: false,
    });

    expect((await partners('unentitle', partnerId)).code).toBe(0);
    expect(await entitlements.get(partnerId)).toBeUndefined();
    expect((await partners('unentitle', partnerId)).code).toBe(1);
    // Each run starts tsx: seconds apiece on a loaded machine.
  }, 240_000);

  it('refuses unknown partners (1) and bad arguments (2) without writing', async () => {
    expect((await partners('entitle', 'ptn_nobody', '--sources', 'all', '--languages', 'all')).code).toBe(1);
    const usage = [
      ['entitle', 'ptn_x'],
      ['entitle', 'ptn_x', '--sources', 'all'],
      ['entitle', 'ptn_x', '--sources', 'bob', '--languages', 'all'],
      ['entitle', 'ptn_x', '--sources', 'all', '--languages', 'not a tag'],
      ['entitle', 'ptn_x', '--sources', 'all', '--languages', 'all', '--types', 'Nope'],
      ['unentitle'],
      ['list', '--sources', 'all'],
    ];
    const runs = await Promise.all(usage.map((args) => partners(...args)));
    for (const [index, run] of runs.entries()) expect(run.code, usage[index]?.join(' ')).toBe(2);
    expect(await entitlements.get('ptn_x')).toBeUndefined();
  }, 240_000);
});
