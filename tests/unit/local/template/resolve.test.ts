// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these are CloudFormation Fn::Sub strings, not JS templates
import { describe, expect, it } from 'vitest';
import {
  type CfnTemplate,
  type ResourceProviders,
  resolveTemplate,
  TemplateError,
} from '#local/template/index.ts';

const STACK = 'Demo-dev-Api';

function resolveOne(
  template: Partial<CfnTemplate>,
  extra: Partial<Parameters<typeof resolveTemplate>[1]> = {},
) {
  return resolveTemplate({ Resources: {}, ...template } as CfnTemplate, { stackName: STACK, ...extra });
}

/** A template whose single `Custom::Probe` resource holds `value` in `Value`, to observe resolution. */
function resolvedValue(value: unknown, template: Partial<CfnTemplate> = {}, extra = {}) {
  const resolved = resolveOne(
    {
      ...template,
      Resources: {
        ...(template.Resources ?? {}),
        Probe: { Type: 'Custom::Probe', Properties: { Value: value } },
      },
    },
    extra,
  );
  return resolved.resources.Probe!.properties.Value;
}

describe('resolveTemplate: Ref', () => {
  it('resolves the pseudo parameters to local values', () => {
    const value = resolvedValue({
      'Fn::Join': [
        '|',
        [
          { Ref: 'AWS::Region' },
          { Ref: 'AWS::AccountId' },
          { Ref: 'AWS::Partition' },
          { Ref: 'AWS::URLSuffix' },
          { Ref: 'AWS::StackName' },
        ],
      ],
    });
    expect(value).toBe(`us-east-1|000000000000|aws|amazonaws.com|${STACK}`);
    expect(resolvedValue({ Ref: 'AWS::StackId' })).toMatch(
      new RegExp(`^arn:aws:cloudformation:us-east-1:000000000000:stack/${STACK}/[0-9a-f-]{36}$`),
    );
    expect(
      resolvedValue({ Ref: 'AWS::AccountId' }, {}, { region: 'eu-west-1', accountId: '123456789012' }),
    ).toBe('123456789012');
  });

  it('drops AWS::NoValue from objects and lists', () => {
    const value = resolvedValue({
      Keep: 'yes',
      Drop: { Ref: 'AWS::NoValue' },
      List: ['a', { Ref: 'AWS::NoValue' }, 'b'],
    });
    expect(value).toEqual({ Keep: 'yes', List: ['a', 'b'] });
  });

  it('uses parameter defaults, overrides, lists and the CDK bootstrap version from SSM', () => {
    const Parameters = {
      Stage: { Type: 'String', Default: 'dev' },
      Zones: { Type: 'CommaDelimitedList', Default: 'a,b' },
      Port: { Type: 'Number', Default: 8080 },
      BootstrapVersion: {
        Type: 'AWS::SSM::Parameter::Value<String>',
        Default: '/cdk-bootstrap/hnb659fds/version',
      },
    };
    expect(resolvedValue({ Ref: 'Stage' }, { Parameters })).toBe('dev');
    expect(resolvedValue({ Ref: 'Stage' }, { Parameters }, { parameters: { Stage: 'prod' } })).toBe('prod');
    expect(resolvedValue({ Ref: 'Zones' }, { Parameters })).toEqual(['a', 'b']);
    expect(resolvedValue({ Ref: 'Port' }, { Parameters })).toBe('8080');
    expect(Number(resolvedValue({ Ref: 'BootstrapVersion' }, { Parameters }))).toBeGreaterThanOrEqual(6);
  });

  it('warns when an SSM parameter has no local value', () => {
    const resolved = resolveOne({
      Parameters: { Secret: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/app/secret' } },
      Resources: { Probe: { Type: 'Custom::Probe', Properties: { Value: { Ref: 'Secret' } } } },
    });
    expect(resolved.resources.Probe!.properties.Value).toBe('/app/secret');
    expect(resolved.warnings.join('\n')).toContain('/app/secret');
  });

  it('fails on a parameter without value and on an unknown name', () => {
    expect(() => resolvedValue({ Ref: 'Missing' }, { Parameters: { Missing: { Type: 'String' } } })).toThrow(
      /no value/,
    );
    expect(() => resolvedValue({ Ref: 'Nope' })).toThrow(TemplateError);
  });

  it('names resources by their explicit name property, else a deterministic generated name', () => {
    const template: Partial<CfnTemplate> = {
      Resources: {
        Named: {
          Type: 'AWS::DynamoDB::Table',
          Properties: { TableName: { 'Fn::Sub': '${AWS::StackName}-items' } },
        },
        Unnamed: { Type: 'AWS::DynamoDB::Table', Properties: {} },
        Queue: { Type: 'AWS::SQS::Queue' },
      },
    };
    const first = resolveOne(template);
    const second = resolveOne(template);
    expect(first.resources.Named!.physicalId).toBe(`${STACK}-items`);
    expect(first.resources.Unnamed!.physicalId).toMatch(new RegExp(`^${STACK}-Unnamed-[A-Z2-7]{12}$`));
    expect(second.resources.Unnamed!.physicalId).toBe(first.resources.Unnamed!.physicalId);
    expect(resolveOne(template, { stackName: 'Other' }).resources.Unnamed!.physicalId).not.toBe(
      first.resources.Unnamed!.physicalId,
    );
    // Ref of a queue is its URL, as in CloudFormation.
    expect(first.resources.Queue!.ref).toBe(
      `https://sqs.us-east-1.amazonaws.com/000000000000/${first.resources.Queue!.physicalId}`,
    );
  });

  it('keeps generated names within the length limit', () => {
    const longStack = 'S'.repeat(100);
    const resolved = resolveOne(
      { Resources: { [`Fn${'L'.repeat(90)}`]: { Type: 'AWS::Lambda::Function', Properties: {} } } },
      { stackName: longStack },
    );
    const name = Object.values(resolved.resources)[0]!.physicalId;
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/-[A-Z2-7]{12}$/);
  });
});

describe('resolveTemplate: Fn::GetAtt and providers', () => {
  const Resources: CfnTemplate['Resources'] = {
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'diplowire' } },
    Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs' } },
    Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'items' } },
  };

  it('gives ARNs and names with the local account and region, in both forms', () => {
    expect(resolvedValue({ 'Fn::GetAtt': ['Bus', 'Arn'] }, { Resources })).toBe(
      'arn:aws:events:us-east-1:000000000000:event-bus/diplowire',
    );
    expect(resolvedValue({ 'Fn::GetAtt': 'Queue.Arn' }, { Resources })).toBe(
      'arn:aws:sqs:us-east-1:000000000000:jobs',
    );
    expect(resolvedValue({ 'Fn::GetAtt': ['Queue', 'QueueName'] }, { Resources })).toBe('jobs');
  });

  it('lets an emulator provider answer Ref and GetAtt, falling back to the defaults', () => {
    const providers: ResourceProviders = {
      'AWS::SQS::Queue': {
        ref: (r) => `http://127.0.0.1:9324/${r.accountId}/${r.physicalId}`,
        getAtt: (r, attribute) =>
          attribute === 'QueueUrl' ? `http://127.0.0.1:9324/q/${r.physicalId}` : undefined,
      },
      'AWS::DynamoDB::Table': {
        getAtt: (r, attribute) =>
          attribute === 'StreamArn'
            ? `arn:aws:dynamodb:${r.region}:${r.accountId}:table/${r.physicalId}/stream/x`
            : undefined,
      },
    };
    const value = resolvedValue(
      [
        { Ref: 'Queue' },
        { 'Fn::GetAtt': ['Queue', 'QueueUrl'] },
        { 'Fn::GetAtt': ['Queue', 'Arn'] },
        { 'Fn::GetAtt': ['Table', 'StreamArn'] },
      ],
      { Resources },
      { providers },
    );
    expect(value).toEqual([
      'http://127.0.0.1:9324/000000000000/jobs',
      'http://127.0.0.1:9324/q/jobs',
      'arn:aws:sqs:us-east-1:000000000000:jobs',
      'arn:aws:dynamodb:us-east-1:000000000000:table/items/stream/x',
    ]);
  });

  it('gives a provider lazy access to the resource properties and physical name', () => {
    const providers: ResourceProviders = {
      'Custom::Thing': {
        physicalId: (r) => `thing-${String(r.property('Suffix'))}`,
        getAtt: (r, attribute) => `${r.physicalId}:${attribute}:${String(r.property('Suffix'))}`,
      },
    };
    const value = resolvedValue(
      { 'Fn::GetAtt': ['Thing', 'Endpoint.Address'] },
      { Resources: { Thing: { Type: 'Custom::Thing', Properties: { Suffix: { Ref: 'AWS::Region' } } } } },
      { providers },
    );
    expect(value).toBe('thing-us-east-1:Endpoint.Address:us-east-1');
  });

  it('warns and uses a placeholder for an attribute no emulator provides', () => {
    const resolved = resolveOne({
      Resources: {
        ...Resources,
        Probe: { Type: 'Custom::Probe', Properties: { V: { 'Fn::GetAtt': ['Table', 'StreamArn'] } } },
      },
    });
    expect(resolved.resources.Probe!.properties.V).toContain('Table.StreamArn');
    expect(resolved.warnings).toEqual([expect.stringContaining('Fn::GetAtt StreamArn is not provided')]);
  });

  it('rejects GetAtt of an unknown resource', () => {
    expect(() => resolvedValue({ 'Fn::GetAtt': ['Ghost', 'Arn'] })).toThrow(/Ghost/);
  });
});

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
