import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SUPPORT } from '#local/cloud/supported-resources.ts';
import { loadAssembly, type ResolvedStack, resolveAssembly } from '#local/template/index.ts';
import { GENERATED_FILE, renderUnsupported } from '#scripts/generate-local-unsupported.ts';
import {
  checkResource,
  checkStatement,
  loadSpec,
  type PolicyStatement,
  type SpecDatabase,
} from './support/aws-spec';
import { disposeSynths, type SynthesizedApp, synthStage } from './support/synth';

// Offline checks of what a first `cdk deploy` would otherwise find: every property against the
// CloudFormation registry schemas, every policy against the Service Authorization Reference.

let db: SpecDatabase;
const apps = {} as Record<'dev' | 'prod', SynthesizedApp>;
const resolved = {} as Record<'dev' | 'prod', ResolvedStack[]>;

beforeAll(async () => {
  db = await loadSpec();
  for (const stage of ['dev', 'prod'] as const) {
    apps[stage] = synthStage(stage);
    // The local cloud's resolver turns every Ref/GetAtt/Join into the ARN CloudFormation would produce.
    resolved[stage] = resolveAssembly(loadAssembly(apps[stage].outdir), {
      region: 'eu-west-1',
      accountId: '123456789012',
      providers: {
        'AWS::DynamoDB::Table': {
          getAtt: (r, attribute) =>
            attribute === 'StreamArn'
              ? `arn:aws:dynamodb:${r.region}:${r.accountId}:table/${r.physicalId}/stream/2026-01-01T00:00:00.000`
              : undefined,
        },
      },
    });
  }
});
afterAll(disposeSynths);

interface RawTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

function templates(stage: 'dev' | 'prod'): Array<[string, RawTemplate]> {
  const app = apps[stage];
  return [
    [app.dataStack.stackName, app.data.toJSON() as RawTemplate],
    [app.apiStack.stackName, app.api.toJSON() as RawTemplate],
    [app.subscribersStack.stackName, app.subscribers.toJSON() as RawTemplate],
  ];
}

/** Identity and resource policy documents of a resolved resource, by where they sit. */
function policyDocuments(
  type: string,
  properties: Record<string, unknown>,
): Array<[string, { Statement: PolicyStatement[] }]> {
  switch (type) {
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy':
      return [['PolicyDocument', properties.PolicyDocument as { Statement: PolicyStatement[] }]];
    case 'AWS::IAM::Role':
      return (
        (properties.Policies ?? []) as Array<{
          PolicyName: string;
          PolicyDocument: { Statement: PolicyStatement[] };
        }>
      ).map((p) => [`Policies/${p.PolicyName}`, p.PolicyDocument]);
    case 'AWS::SQS::QueuePolicy':
      return [['PolicyDocument', properties.PolicyDocument as { Statement: PolicyStatement[] }]];
    default:
      return [];
  }
}

describe.each(['dev', 'prod'] as const)('%s stage', (stage) => {
  it('every resource fits its CloudFormation registry schema (types, properties, required properties)', () => {
    const errors = templates(stage).flatMap(([stackName, template]) =>
      Object.entries(template.Resources).flatMap(([logicalId, resource]) =>
        checkResource(db, resource.Type, resource.Properties, `${stackName}/${logicalId}`),
      ),
    );
    expect(errors).toEqual([]);
    expect(templates(stage).flatMap(([, t]) => Object.keys(t.Resources)).length).toBeGreaterThan(50);
  });

  it('every IAM action exists, every resource ARN fits the action, every condition key exists', async () => {
    const errors: string[] = [];
    let statements = 0;
    for (const stack of resolved[stage]) {
      for (const resource of Object.values(stack.resources)) {
        for (const [where, document] of policyDocuments(resource.type, resource.properties)) {
          for (const [i, statement] of document.Statement.entries()) {
            statements++;
            const resources = [statement.Resource ?? []].flat().map(String);
            errors.push(
              ...(await checkStatement(
                statement,
                resources,
                `${stack.stackName}/${resource.logicalId}/${where}/Statement/${i}`,
              )),
            );
          }
        }
      }
    }
    expect(errors).toEqual([]);
    expect(statements).toBeGreaterThan(20);
  });
});

describe("the local cloud's list of ignored properties", () => {
  it('is what the CloudFormation schemas and the support registry give today (npm run local:unsupported)', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(renderUnsupported(db, LOCAL_SUPPORT));
  });

  it('refuses a support registry that claims a property CloudFormation does not define', () => {
    expect(() =>
      renderUnsupported(db, { 'AWS::SQS::Queue': { supportedProperties: ['QueueName', 'MaxReceives'] } }),
    ).toThrow('AWS::SQS::Queue: MaxReceives is not a CloudFormation property');
  });
});

describe('the checks themselves', () => {
  it('find an unknown property, a wrong type, a missing required property and an unknown type', () => {
    expect(
      checkResource(db, 'AWS::SQS::Queue', { VisibilityTimeout: 'soon', RetentionDays: 3 }, 'Q'),
    ).toEqual([
      'Q/VisibilityTimeout: expected integer, got "soon"',
      'Q/RetentionDays: not a property in the schema',
    ]);
    expect(
      checkResource(db, 'AWS::Lambda::Function', { Code: { ZipFile: 'x' }, Runtime: 'nodejs24.x' }, 'F'),
    ).toEqual(['F/Role: required, missing']);
    expect(
      checkResource(
        db,
        'AWS::Lambda::Function',
        { Role: { 'Fn::GetAtt': ['R', 'Arn'] }, Code: { Zip: 'x' } },
        'F',
      ),
    ).toEqual(['F/Code/Zip: not a property in the schema']);
    expect(checkResource(db, 'AWS::DynamoDB::Tabel', {}, 'T')).toEqual([
      'T: AWS::DynamoDB::Tabel is not a CloudFormation resource type',
    ]);
  });

  it('find an unknown action, a misplaced ARN, "*" on a resource-level action and an unknown condition key', async () => {
    const table = 'arn:aws:dynamodb:eu-west-1:123456789012:table/Items';
    expect(
      await checkStatement(
        { Action: ['dynamodb:PutItem', 'dynamodb:GetItem'] },
        [table, `${table}/index/GSI1`],
        's',
      ),
    ).toEqual([]);
    expect(await checkStatement({ Action: 'dynamodb:PutItems' }, [table], 's')).toEqual([
      's: dynamodb:PutItems: not an action of dynamodb',
    ]);
    expect(await checkStatement({ Action: 'sqs:SendMessage' }, [table], 's')).toEqual([
      `s: sqs:SendMessage on ${table}: fits none of arn:\${Partition}:sqs:\${Region}:\${Account}:\${QueueName}`,
    ]);
    expect((await checkStatement({ Action: 'dynamodb:Query' }, ['*'], 's'))[0]).toMatch(
      /dynamodb:Query on "\*"/,
    );
    expect(await checkStatement({ Action: 'xray:PutTraceSegments' }, ['*'], 's')).toEqual([]);
    expect(
      await checkStatement(
        {
          Action: 'dynamodb:Query',
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKey': ['p'] } },
        },
        [table],
        's',
      ),
    ).toEqual(['s: condition key dynamodb:LeadingKey does not exist']);
  });
});
