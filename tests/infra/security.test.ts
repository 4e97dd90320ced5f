import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeResource,
  disposeSynths,
  roleStatements,
  type SynthesizedApp,
  synthStage,
} from './support/synth';

/** Issue 10: who may touch what, asserted on the IAM conditions of the synthesized roles. */
let dev: SynthesizedApp;

beforeAll(() => {
  dev = synthStage('dev');
});
afterAll(disposeSynths);

interface Grant {
  resource: string;
  actions: string[];
  condition: unknown;
}

function grantsWithConditions(
  template: SynthesizedApp['subscribers'],
  stack: never,
  role: IConstruct,
): Grant[] {
  return roleStatements(template, stack, role).flatMap((statement) =>
    [statement.Resource].flat().map((resource) => ({
      resource: describeResource(resource),
      actions: [statement.Action].flat().sort() as string[],
      condition: statement.Condition,
    })),
  );
}

const on = (grants: Grant[], resource: string) => grants.filter((g) => g.resource === resource);

describe('translator: scoped to its own partitions, no bus (issue 10 #4)', () => {
  const grants = () =>
    grantsWithConditions(
      dev.subscribers,
      dev.subscribersStack as never,
      dev.subscribersStack.translator.fn.role,
    );

  it('writes only TRANSLATION# partitions of the items table and reads only item and translation partitions', () => {
    const items = on(grants(), 'ItemsTable.Arn');
    expect(items).toEqual(
      expect.arrayContaining([
        {
          resource: 'ItemsTable.Arn',
          actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TRANSLATION#*'] } },
        },
        {
          resource: 'ItemsTable.Arn',
          actions: ['dynamodb:GetItem', 'dynamodb:Query'],
          condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ITEM#*', 'TRANSLATION#*'] } },
        },
      ]),
    );
    // No unconditioned statement on the table (which would make the conditions moot).
    expect(items).toHaveLength(2);
  });

  it('has no access to the bus: its NewsItemTranslated leaves through the items table outbox', () => {
    expect(on(grants(), 'EventBus.Arn')).toEqual([]);
    expect(
      grants()
        .flatMap((g) => g.actions)
        .filter((a) => a.startsWith('events:')),
    ).toEqual([]);
  });
});

describe('webhook signing secrets: only the dispatcher (and the API that mints them) can read them', () => {
  it('the fan-out reaches only match and delivery partitions of the webhooks table, never SUB# (secrets)', () => {
    const grants = grantsWithConditions(
      dev.subscribers,
      dev.subscribersStack as never,
      dev.subscribersStack.webhookFanout.fn.role,
    );
    expect(on(grants, 'WebhooksTable.Arn')).toEqual([
      {
        resource: 'WebhooksTable.Arn',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['MATCH#*', 'DLV#*'] } },
      },
    ]);
  });

  it('fan-out and dispatcher read only partner profile rows, never key rows', () => {
    for (const role of [
      dev.subscribersStack.webhookFanout.fn.role,
      dev.subscribersStack.webhookDispatcher.role,
    ]) {
      const grants = grantsWithConditions(dev.subscribers, dev.subscribersStack as never, role);
      expect(on(grants, 'PartnersTable.Arn')).toEqual([
        {
          resource: 'PartnersTable.Arn',
          actions: ['dynamodb:GetItem'],
          condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PARTNER#*'] } },
        },
      ]);
    }
  });
});

describe("the partner's share: API functions write only RATE# rows of the partners table (issue 10 #8)", () => {
  it.each(['itemsWrite', 'itemsRead', 'feedApi', 'subscriptionsApi'] as const)('%s', (key) => {
    const grants = grantsWithConditions(dev.api, dev.apiStack as never, dev.apiStack[key].role);
    const writes = on(grants, 'PartnersTable.Arn').filter((g) =>
      g.actions.some((action) => /Put|Update|Delete|BatchWrite/.test(action)),
    );
    expect(writes).toContainEqual({
      resource: 'PartnersTable.Arn',
      actions: ['dynamodb:UpdateItem'],
      condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RATE#*'] } },
    });
    // Every other write to the table is conditioned too (items-read and the feed create the cursor key).
    for (const write of writes) expect(write.condition).toBeDefined();
  });
});

describe('feed-api reads entitlements and the cursor key, never a key row', () => {
  it('its reads and writes of the partners table are conditioned on partitions', () => {
    const grants = grantsWithConditions(dev.api, dev.apiStack as never, dev.apiStack.feedApi.role);
    expect(on(grants, 'PartnersTable.Arn')).toEqual(
      expect.arrayContaining([
        {
          resource: 'PartnersTable.Arn',
          actions: ['dynamodb:GetItem'],
          condition: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PARTNER#*', 'CONFIG#cursor-key'] },
          },
        },
        {
          resource: 'PartnersTable.Arn',
          actions: ['dynamodb:PutItem'],
          condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['CONFIG#cursor-key'] } },
        },
      ]),
    );
    for (const grant of on(grants, 'PartnersTable.Arn')) expect(grant.condition).toBeDefined();
  });
});

describe('outbox publisher', () => {
  it('puts events only under the Diplowire sources (public item events and the internal embargo one)', () => {
    const grants = grantsWithConditions(dev.api, dev.apiStack as never, dev.apiStack.outboxPublisher.role);
    expect(on(grants, 'EventBus.Arn')).toEqual([
      {
        resource: 'EventBus.Arn',
        actions: ['events:PutEvents'],
        condition: { StringEquals: { 'events:source': ['diplowire.items', 'diplowire.items.embargoed'] } },
      },
    ]);
  });
});
