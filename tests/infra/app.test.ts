import { Token } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/build-app.ts';
import { parseStage } from '#infra/config.ts';
import { disposeSynths, resourcesOfType, type SynthesizedApp, synthStage } from './support/synth';

let prod: SynthesizedApp;

beforeAll(() => {
  prod = synthStage('prod');
});
afterAll(disposeSynths);

describe('stage', () => {
  it('defaults to dev and accepts dev and prod', () => {
    expect(parseStage(undefined)).toBe('dev');
    expect(parseStage('dev')).toBe('dev');
    expect(parseStage('prod')).toBe('prod');
  });

  it('rejects any other stage before building anything', () => {
    expect(() => parseStage('production')).toThrow(/Unknown stage "production"/);
    expect(() => buildApp({ context: { stage: 'qa' } })).toThrow(/expected one of dev, prod/);
  });
});

describe('stacks', () => {
  it('are Diplowire-<stage>-Data, -Subscribers and -Api, deployed in that order', () => {
    expect(prod.dataStack.stackName).toBe('Diplowire-prod-Data');
    expect(prod.subscribersStack.stackName).toBe('Diplowire-prod-Subscribers');
    expect(prod.apiStack.stackName).toBe('Diplowire-prod-Api');
    expect(prod.dataStack.dependencies).toEqual([]);
    expect(prod.subscribersStack.dependencies).toEqual([prod.dataStack]);
    // The subscriptions API enqueues redeliveries on the subscribers stack's deliveries queue.
    expect(new Set(prod.apiStack.dependencies)).toEqual(new Set([prod.dataStack, prod.subscribersStack]));
  });

  it('are environment-agnostic, so synth needs no account, region or lookups', () => {
    for (const stack of [prod.dataStack, prod.apiStack, prod.subscribersStack]) {
      expect(Token.isUnresolved(stack.account)).toBe(true);
      expect(Token.isUnresolved(stack.region)).toBe(true);
    }
    const templates = JSON.stringify([prod.data.toJSON(), prod.api.toJSON(), prod.subscribers.toJSON()]);
    expect(templates).not.toMatch(/\b(us|eu|ap|sa|ca|me|af)-[a-z]+-\d\b/);
  });

  it('protects the stateful stack from deletion in prod', () => {
    expect(prod.dataStack.terminationProtection).toBe(true);
  });

  it('tags every taggable resource with project and stage', () => {
    const tables = resourcesOfType(prod.data, 'AWS::DynamoDB::Table');
    const functions = resourcesOfType(prod.api, 'AWS::Lambda::Function');
    for (const [, resource] of [...tables, ...functions]) {
      expect(resource.Properties.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'project', Value: 'diplowire' },
          { Key: 'stage', Value: 'prod' },
        ]),
      );
    }
    const [api] = resourcesOfType(prod.api, 'AWS::ApiGatewayV2::Api');
    expect(api?.[1].Properties.Tags).toMatchObject({ project: 'diplowire', stage: 'prod' });
  });
});

/**
 * What the local cloud must support. (`cdk synth` through the CLI also adds AWS::CDK::Metadata,
 * the BootstrapVersion parameter and its rule: see cli-synth.test.ts.)
 */
describe('CloudFormation resource types', () => {
  const typesOf = (template: SynthesizedApp['data']) =>
    [
      ...new Set(
        Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type),
      ),
    ].sort();

  it('data stack', () => {
    expect(typesOf(prod.data)).toEqual([
      'AWS::DynamoDB::Table',
      'AWS::EventSchemas::Registry',
      'AWS::EventSchemas::Schema',
      'AWS::Events::Archive',
      'AWS::Events::EventBus',
      'AWS::KMS::Key',
      'AWS::SNS::Topic',
      'AWS::SNS::TopicPolicy',
    ]);
  });

  it('API stack', () => {
    expect(typesOf(prod.api)).toEqual([
      'AWS::ApiGatewayV2::Api',
      'AWS::ApiGatewayV2::Authorizer',
      'AWS::ApiGatewayV2::Integration',
      'AWS::ApiGatewayV2::Route',
      'AWS::ApiGatewayV2::Stage',
      'AWS::CloudWatch::Alarm',
      'AWS::CloudWatch::Dashboard',
      'AWS::Events::Rule',
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
      'AWS::Lambda::EventSourceMapping',
      'AWS::Lambda::Function',
      'AWS::Lambda::Permission',
      'AWS::Logs::LogGroup',
      'AWS::SQS::Queue',
      'AWS::SQS::QueuePolicy',
      'AWS::Scheduler::ScheduleGroup',
    ]);
  });

  it('subscribers stack', () => {
    expect(typesOf(prod.subscribers)).toEqual([
      'AWS::CloudWatch::Alarm',
      'AWS::Events::Rule',
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
      'AWS::Lambda::EventSourceMapping',
      'AWS::Lambda::Function',
      'AWS::Lambda::Permission',
      'AWS::Logs::LogGroup',
      'AWS::SQS::Queue',
      'AWS::SQS::QueuePolicy',
    ]);
  });

  it('the API stack imports the data stack outputs (Fn::ImportValue) rather than hard-coding names', () => {
    const api = JSON.stringify(prod.api.toJSON());
    expect(api).toContain('"Fn::ImportValue":"Diplowire-prod-Data:ExportsOutput');
    expect(api).not.toContain('"diplowire-prod-items"');
  });
});
