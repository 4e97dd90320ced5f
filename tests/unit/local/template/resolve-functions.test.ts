// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these are CloudFormation Fn::Sub strings, not JS templates
/**
 * Template resolution (local/template/resolve.ts), the other intrinsic functions: string and list
 * functions, conditions, dependency order, outputs, exports and Fn::ImportValue. Ref and Fn::GetAtt:
 * resolve-references.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { CfnTemplate } from '#local/template/index.ts';
import { resolvedValue, resolveOne, STACK } from './support/resolve-probe';

describe('resolveTemplate: string and list functions', () => {
  const Resources: CfnTemplate['Resources'] = {
    Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs' } },
  };

  it('Fn::Join and Fn::Split', () => {
    expect(resolvedValue({ 'Fn::Join': ['-', ['a', { Ref: 'AWS::Region' }, 3]] })).toBe('a-us-east-1-3');
    expect(resolvedValue({ 'Fn::Split': [',', 'x,y,,z'] })).toEqual(['x', 'y', '', 'z']);
    expect(resolvedValue({ 'Fn::Join': ['+', { 'Fn::Split': ['/', 'p/q'] }] })).toBe('p+q');
  });

  it('Fn::Sub with pseudo parameters, resources, attributes, variables and escapes', () => {
    expect(
      resolvedValue(
        {
          'Fn::Sub':
            'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Queue.QueueName} ${!Literal}',
        },
        { Resources },
      ),
    ).toBe('arn:aws:sqs:us-east-1:000000000000:jobs ${Literal}');
    expect(
      resolvedValue(
        { 'Fn::Sub': ['${Name}@${Queue.Arn}/${AWS::StackName}', { Name: { Ref: 'AWS::Region' } }] },
        { Resources },
      ),
    ).toBe(`us-east-1@arn:aws:sqs:us-east-1:000000000000:jobs/${STACK}`);
    expect(resolvedValue({ 'Fn::Sub': '${Queue}' }, { Resources })).toMatch(/\/000000000000\/jobs$/);
  });

  it('Fn::Select, Fn::GetAZs, Fn::Base64, Fn::Length, Fn::ToJsonString', () => {
    expect(resolvedValue({ 'Fn::Select': ['1', ['a', 'b', 'c']] })).toBe('b');
    expect(resolvedValue({ 'Fn::Select': [0, { 'Fn::GetAZs': '' }] })).toBe('us-east-1a');
    expect(resolvedValue({ 'Fn::GetAZs': { Ref: 'AWS::Region' } })).toEqual([
      'us-east-1a',
      'us-east-1b',
      'us-east-1c',
    ]);
    expect(resolvedValue({ 'Fn::Base64': { 'Fn::Sub': 'echo ${AWS::Region}' } })).toBe(
      Buffer.from('echo us-east-1').toString('base64'),
    );
    expect(resolvedValue({ 'Fn::Length': ['a', 'b'] })).toBe(2);
    expect(resolvedValue({ 'Fn::ToJsonString': { a: { Ref: 'AWS::Region' } } })).toBe('{"a":"us-east-1"}');
    expect(() => resolvedValue({ 'Fn::Select': [5, ['a']] })).toThrow(/outside/);
  });

  it('Fn::FindInMap', () => {
    const Mappings = { Sizes: { dev: { Memory: 256 }, prod: { Memory: 1024 } } };
    expect(resolvedValue({ 'Fn::FindInMap': ['Sizes', 'prod', 'Memory'] }, { Mappings })).toBe(1024);
    expect(
      resolvedValue(
        { 'Fn::FindInMap': ['Sizes', { Ref: 'Stage' }, 'Memory'] },
        {
          Mappings,
          Parameters: { Stage: { Type: 'String', Default: 'dev' } },
        },
      ),
    ).toBe(256);
    expect(() => resolvedValue({ 'Fn::FindInMap': ['Sizes', 'qa', 'Memory'] }, { Mappings })).toThrow(
      /Mappings/,
    );
  });

  it('rejects intrinsics the local cloud does not implement', () => {
    expect(() => resolvedValue({ 'Fn::Cidr': ['10.0.0.0/16', 2, 8] })).toThrow(/Fn::Cidr is not supported/);
  });
});

describe('resolveTemplate: conditions', () => {
  const template: Partial<CfnTemplate> = {
    Parameters: { Stage: { Type: 'String', Default: 'dev' }, Replicas: { Type: 'Number', Default: 1 } },
    Conditions: {
      IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
      IsDev: { 'Fn::Not': [{ Condition: 'IsProd' }] },
      OneReplica: { 'Fn::Equals': [{ Ref: 'Replicas' }, 1] },
      DevAndOne: { 'Fn::And': [{ Condition: 'IsDev' }, { Condition: 'OneReplica' }] },
      ProdOrOne: { 'Fn::Or': [{ Condition: 'IsProd' }, { Condition: 'OneReplica' }] },
    },
    Resources: {
      ProdOnly: { Type: 'AWS::SQS::Queue', Condition: 'IsProd', Properties: { QueueName: 'prod-only' } },
      Always: {
        Type: 'Custom::Probe',
        Properties: {
          Mode: { 'Fn::If': ['IsProd', 'big', 'small'] },
          Optional: { 'Fn::If': ['IsProd', 'x', { Ref: 'AWS::NoValue' }] },
        },
      },
    },
    Outputs: {
      ProdQueue: { Condition: 'IsProd', Value: { Ref: 'ProdOnly' } },
      Mode: { Value: { 'Fn::GetAtt': ['Always', 'Mode'] } },
    },
  };

  it('evaluates Equals/Not/And/Or/Condition and applies them to resources, Fn::If and outputs', () => {
    const dev = resolveOne(template);
    expect(dev.conditions).toEqual({
      IsProd: false,
      IsDev: true,
      OneReplica: true,
      DevAndOne: true,
      ProdOrOne: true,
    });
    expect(dev.skipped).toEqual(['ProdOnly']);
    expect(dev.resources.ProdOnly).toBeUndefined();
    expect(dev.resources.Always!.properties).toEqual({ Mode: 'small' });
    expect(Object.keys(dev.outputs)).toEqual(['Mode']);

    const prod = resolveOne(template, { parameters: { Stage: 'prod', Replicas: '3' } });
    expect(prod.conditions).toMatchObject({ IsProd: true, IsDev: false, DevAndOne: false, ProdOrOne: true });
    expect(prod.resources.ProdOnly!.physicalId).toBe('prod-only');
    expect(prod.resources.Always!.properties).toEqual({ Mode: 'big', Optional: 'x' });
    expect(prod.outputs.ProdQueue!.value).toMatch(/\/prod-only$/);
  });

  it('refuses a reference to a resource whose condition is false', () => {
    expect(() =>
      resolveOne({
        ...template,
        Resources: {
          ...template.Resources,
          Probe: { Type: 'Custom::Probe', Properties: { Q: { Ref: 'ProdOnly' } } },
        },
      }),
    ).toThrow(/condition IsProd is false/);
  });
});

describe('resolveTemplate: dependencies, outputs and imports', () => {
  it('orders resources after what they reference or DependsOn', () => {
    const resolved = resolveOne({
      Resources: {
        Function: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
            Environment: { Variables: { Q: { 'Fn::Sub': '${Queue}' } } },
          },
          DependsOn: 'Policy',
        },
        Policy: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'Role' }] } },
        Queue: { Type: 'AWS::SQS::Queue' },
        Role: { Type: 'AWS::IAM::Role' },
      },
    });
    expect(resolved.resources.Function!.dependsOn).toEqual(['Policy', 'Queue', 'Role']);
    const order = resolved.order;
    expect(order.indexOf('Role')).toBeLessThan(order.indexOf('Policy'));
    expect(order.indexOf('Policy')).toBeLessThan(order.indexOf('Function'));
    expect(order.indexOf('Queue')).toBeLessThan(order.indexOf('Function'));
  });

  it('reports a circular reference instead of overflowing', () => {
    expect(() =>
      resolveOne({
        Resources: {
          A: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::GetAtt': ['B', 'QueueName'] } } },
          B: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::GetAtt': ['A', 'QueueName'] } } },
        },
      }),
    ).toThrow(/circular/);
  });

  it('publishes exports and resolves Fn::ImportValue from previously deployed stacks', () => {
    const producer = resolveOne(
      {
        Resources: { Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'items' } } },
        Outputs: {
          TableArn: {
            Value: { 'Fn::GetAtt': ['Table', 'Arn'] },
            Export: { Name: { 'Fn::Sub': '${AWS::StackName}:TableArn' } },
          },
          Plain: { Value: 'not exported', Description: 'no export' },
        },
      },
      { stackName: 'Demo-dev-Data' },
    );
    expect(producer.exports).toEqual({
      'Demo-dev-Data:TableArn': 'arn:aws:dynamodb:us-east-1:000000000000:table/items',
    });
    expect(producer.outputs.Plain).toEqual({ value: 'not exported', description: 'no export' });
    expect(
      resolvedValue({ 'Fn::ImportValue': 'Demo-dev-Data:TableArn' }, {}, { imports: producer.exports }),
    ).toBe('arn:aws:dynamodb:us-east-1:000000000000:table/items');
    expect(() =>
      resolvedValue({ 'Fn::ImportValue': 'Demo-dev-Data:Missing' }, {}, { imports: producer.exports }),
    ).toThrow(/no export named Demo-dev-Data:Missing/);
  });
});
