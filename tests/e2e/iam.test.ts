/**
 * IAM enforced by the local cloud (issue 11): one grant is removed from the synthesized template
 * (items-write's `dynamodb:PutItem` on the items table, which its TransactWriteItems needs), and the
 * local cloud then refuses that call with AccessDeniedException, so the item is not accepted. With
 * `--no-iam` the same template accepts it (the refusal is the enforcement's, nothing else), and the
 * unmodified template runs the whole pipeline, embargo included, without one refusal.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, eventsOnBus, jsonOf, smallItem, waitFor } from './support/helpers';
import { killLeftoverDynamoDb, type RunningCloud, startCloud } from './support/local-cloud';
import { synthesize } from './support/synth';

const FUNCTION = 'diplowire-dev-items-write';
const REMOVED = 'dynamodb:PutItem';
const DENIAL = `[iam] denied ${FUNCTION}: ${REMOVED} on arn:aws:dynamodb:us-east-1:000000000000:table/diplowire-dev-items`;

let cdkOut: string;
let withoutGrant: string;
const dirs: string[] = [];

interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
}

/** A copy of the assembly whose items-write role lacks `dynamodb:PutItem`. */
function removeGrant(source: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'diplowire-e2e-iam-cdkout-'));
  dirs.push(copy);
  cpSync(source, copy, { recursive: true });
  let removed = 0;
  for (const file of readdirSync(copy).filter((f) => f.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(join(copy, file), 'utf8')) as {
      Resources: Record<string, CfnResource>;
    };
    const resources = Object.values(template.Resources);
    const fn = resources.find(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === FUNCTION,
    );
    if (!fn) continue;
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    for (const policy of resources.filter((r) => r.Type === 'AWS::IAM::Policy')) {
      if (!JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`)) continue;
      const document = policy.Properties.PolicyDocument as {
        Statement: Array<{ Action: string | string[] }>;
      };
      for (const statement of document.Statement) {
        const actions = [statement.Action].flat();
        if (!actions.includes(REMOVED)) continue;
        statement.Action = actions.filter((a) => a !== REMOVED);
        removed++;
      }
    }
    writeFileSync(join(copy, file), JSON.stringify(template));
  }
  if (removed !== 1) throw new Error(`expected one ${REMOVED} grant of ${FUNCTION}, removed ${removed}`);
  return copy;
}

async function withCloud<T>(
  cdkOutDir: string,
  args: string[],
  run: (cloud: RunningCloud) => Promise<T>,
): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'diplowire-e2e-iam-'));
  dirs.push(dataDir);
  const cloud = await startCloud({ dataDir, cdkOut: cdkOutDir, fresh: true, args });
  try {
    return await run(cloud);
  } finally {
    await cloud.stop();
    await killLeftoverDynamoDb(dataDir);
  }
}

beforeAll(async () => {
  cdkOut = await synthesize();
  withoutGrant = removeGrant(cdkOut);
}, 600_000);

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('IAM in the local cloud', () => {
  it('refuses a call the role no longer allows, with AccessDeniedException, logged once', async () => {
    await withCloud(withoutGrant, [], async (cloud) => {
      const api = apiClient(cloud.endpoints, cloud.endpoints.demoApiKey);
      const response = await api.submit(smallItem());
      expect(response.status).toBe(500);
      const log = await waitFor(
        () => cloud.log().includes('AccessDeniedException') && cloud.log(),
        10_000,
        'the refusal',
      );
      expect(log.split('\n').filter((line) => line.includes(DENIAL))).toHaveLength(1);
      expect(log).toContain(`role Diplowire-dev-Api-ItemsWriteRole`);
      expect(log).not.toContain('IAM is not enforced');
    });
  });

  it('accepts the same call with --no-iam: the refusal was the enforcement', async () => {
    await withCloud(withoutGrant, ['--no-iam'], async (cloud) => {
      const api = apiClient(cloud.endpoints, cloud.endpoints.demoApiKey);
      expect((await api.submit(smallItem())).status).toBe(201);
      expect(cloud.log()).toContain('IAM is not enforced (--no-iam)');
      expect(cloud.log()).not.toContain('[iam] denied');
    });
  });

  it('runs the unmodified template, embargo included, without a refusal', async () => {
    await withCloud(cdkOut, [], async (cloud) => {
      const api = apiClient(cloud.endpoints, cloud.endpoints.demoApiKey);
      const now = smallItem();
      // Held, then released by the Scheduler: schedules, the internal embargo source, the release.
      const held = {
        ...smallItem(),
        embargoed: new Date(Date.now() + 4000).toISOString().replace(/\.\d+Z$/, 'Z'),
      };
      expect((await api.submit(now)).status).toBe(201);
      const receipt = await api.submit(held);
      expect(receipt.status).toBe(201);
      const heldId = jsonOf<{ id: string }>(receipt).id;
      await waitFor(
        async () =>
          (await eventsOnBus(cloud.endpoints)).some(
            (r) => r.event['detail-type'] === 'NewsItemPublished' && r.event.detail.itemId === heldId,
          ),
        60_000,
        'the held item released on the bus',
      );
      const kinds = (await eventsOnBus(cloud.endpoints)).map(
        (r) => `${r.event.source}/${r.event['detail-type']}`,
      );
      expect(kinds).toContain('diplowire.items.embargoed/NewsItemEmbargoed');
      expect(cloud.log()).not.toContain('[iam] denied');
      expect(cloud.log()).not.toContain('AccessDenied');
    });
  });
});
