// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these are CloudFormation Fn::Sub strings, not JS templates
/**
 * Template resolution (local/template/resolve.ts), references: Ref (pseudo parameters, parameters,
 * resource names) and Fn::GetAtt, with the emulators' resource providers. The other intrinsic
 * functions, conditions, dependencies and outputs: resolve-functions.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { type CfnTemplate, type ResourceProviders, TemplateError } from '#local/template/index.ts';
import { resolvedValue, resolveOne, STACK } from './support/resolve-probe';

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
