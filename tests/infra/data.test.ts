import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETAIL_TYPES, EMBARGOED_EVENT_SOURCE, EVENT_SOURCE } from '#shared/contracts/events/index.ts';
import { disposeSynths, findOne, resourcesOfType, type SynthesizedApp, synthStage } from './support/synth';

let dev: SynthesizedApp;
let prod: SynthesizedApp;

beforeAll(() => {
  dev = synthStage('dev');
  prod = synthStage('prod');
});
afterAll(disposeSynths);

const table = (app: SynthesizedApp, name: string) =>
  findOne(app.data, 'AWS::DynamoDB::Table', (p) => p.TableName === name)[1];

describe('items table', () => {
  it('has the PK/SK key schema, GSI1 and the sparse HeldByReleaseTime index of the shared design', () => {
    expect(table(dev, 'diplowire-dev-items').Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: expect.arrayContaining([
        { AttributeName: 'PK', AttributeType: 'S' },
        { AttributeName: 'SK', AttributeType: 'S' },
        { AttributeName: 'GSI1PK', AttributeType: 'S' },
        { AttributeName: 'GSI1SK', AttributeType: 'S' },
      ]),
      GlobalSecondaryIndexes: [
        {
          IndexName: 'GSI1',
          KeySchema: [
            { AttributeName: 'GSI1PK', KeyType: 'HASH' },
            { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'HeldByReleaseTime',
          KeySchema: [
            { AttributeName: 'heldQueue', KeyType: 'HASH' },
            { AttributeName: 'heldReleaseAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
  });

  it('streams new and old images (the outbox) and expires rows on expiresAt', () => {
    expect(table(dev, 'diplowire-dev-items').Properties).toMatchObject({
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });
});

describe('partners table', () => {
  it('has the PK/SK key schema, no index and no stream', () => {
    const props = table(dev, 'diplowire-dev-partners').Properties;
    expect(props.KeySchema).toEqual([
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ]);
    expect(props.GlobalSecondaryIndexes).toBeUndefined();
    expect(props.StreamSpecification).toBeUndefined();
  });
});

describe('webhooks table', () => {
  it('has the PK/SK key schema, the GSI1 index (listings), TTL on expiresAt and no stream', () => {
    const props = table(dev, 'diplowire-dev-webhooks').Properties;
    expect(props).toMatchObject({
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'GSI1',
          KeySchema: [
            { AttributeName: 'GSI1PK', KeyType: 'HASH' },
            { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(props.AttributeDefinitions).toHaveLength(4);
    expect(props.StreamSpecification).toBeUndefined();
  });
});

describe.each(['items', 'partners', 'webhooks'])('%s table policies', (name) => {
  it('is on-demand, with point-in-time recovery and AWS-managed KMS encryption', () => {
    expect(table(dev, `diplowire-dev-${name}`).Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('is retained and deletion-protected in prod', () => {
    const resource = table(prod, `diplowire-prod-${name}`);
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.UpdateReplacePolicy).toBe('Retain');
    expect(resource.Properties.DeletionProtectionEnabled).toBe(true);
  });

  it('is deleted with the stack in dev', () => {
    const resource = table(dev, `diplowire-dev-${name}`);
    expect(resource.DeletionPolicy).toBe('Delete');
    expect(resource.Properties.DeletionProtectionEnabled).toBe(false);
  });
});

describe('event bus and archive', () => {
  it.each([
    ['dev', 30, 'Delete'],
    ['prod', 365, 'Retain'],
  ] as const)(
    '%s: bus diplowire-<stage>, archive of every item event kept %i days',
    (stage, days, policy) => {
      const app = stage === 'dev' ? dev : prod;
      const [busId, bus] = findOne(app.data, 'AWS::Events::EventBus', () => true);
      expect(bus.Properties.Name).toBe(`diplowire-${stage}`);
      expect(bus.DeletionPolicy).toBe(policy);
      const [, archive] = findOne(app.data, 'AWS::Events::Archive', () => true);
      expect(archive.Properties).toMatchObject({
        ArchiveName: `diplowire-${stage}-items`,
        SourceArn: { 'Fn::GetAtt': [busId, 'Arn'] },
        EventPattern: { source: [EVENT_SOURCE] },
        RetentionDays: days,
      });
    },
  );
});

describe('schema registry', () => {
  it('holds one draft-04 schema per detail-type, named <source>@<DetailType>', () => {
    const [registryId, registry] = findOne(dev.data, 'AWS::EventSchemas::Registry', () => true);
    expect(registry.Properties.RegistryName).toBe('diplowire-dev-events');
    const schemas = resourcesOfType(dev.data, 'AWS::EventSchemas::Schema').map(([, s]) => s.Properties);
    const sourceOf = (detailType: string) =>
      detailType === 'NewsItemEmbargoed' ? EMBARGOED_EVENT_SOURCE : EVENT_SOURCE;
    expect(schemas.map((s) => s.SchemaName).sort()).toEqual(
      DETAIL_TYPES.map((detailType) => `${sourceOf(detailType)}@${detailType}`).sort(),
    );
    for (const schema of schemas) {
      expect(schema.Type).toBe('JSONSchemaDraft4');
      expect(schema.RegistryName).toEqual({ 'Fn::GetAtt': [registryId, 'RegistryName'] });
      const content = JSON.parse(schema.Content as string);
      expect(content.$schema).toBe('http://json-schema.org/draft-04/schema#');
      expect(content.properties.source).toMatchObject({ enum: [sourceOf(content.title)] });
      expect(content.properties.detail).toBeDefined();
    }
  });
});

describe('outputs', () => {
  it('exports the table and bus names', () => {
    expect(Object.keys(dev.data.findOutputs('*'))).toEqual(
      expect.arrayContaining([
        'ItemsTableName',
        'PartnersTableName',
        'WebhooksTableName',
        'EventBusName',
        'EventBusArchiveName',
      ]),
    );
    expect(dev.data.findOutputs('WebhooksTableName').WebhooksTableName?.Value).toEqual({
      Ref: findOne(dev.data, 'AWS::DynamoDB::Table', (p) => p.TableName === 'diplowire-dev-webhooks')[0],
    });
    expect(dev.data.findOutputs('PartnersTableName').PartnersTableName?.Value).toEqual({
      Ref: findOne(dev.data, 'AWS::DynamoDB::Table', (p) => p.TableName === 'diplowire-dev-partners')[0],
    });
  });
});
