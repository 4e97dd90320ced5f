import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeSynths, type SynthesizedApp, synthStage } from './support/synth';

let dev: SynthesizedApp;

beforeAll(() => {
  dev = synthStage('dev');
});
afterAll(disposeSynths);

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

function statementsOfRoleFor(functionName: string): Statement[] {
  const fn = Object.values(dev.subscribers.findResources('AWS::Lambda::Function')).find(
    (r) => r.Properties.FunctionName === functionName,
  );
  const roleId = fn?.Properties.Role['Fn::GetAtt'][0];
  const policies = Object.values(dev.subscribers.findResources('AWS::IAM::Policy')).filter((p) =>
    p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId),
  );
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('translator subscriber', () => {
  it('has a rule for published and corrected items not already in a target language', () => {
    dev.subscribers.hasResourceProperties('AWS::Events::Rule', {
      Name: 'diplowire-dev-translator',
      EventPattern: {
        source: ['diplowire.items'],
        'detail-type': ['NewsItemPublished', 'NewsItemCorrected'],
        detail: { language: [{ 'anything-but': ['en'] }] },
      },
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      ],
    });
  });

  it('sends failed asynchronous invocations to the same dead-letter queue, which is encrypted and TLS-only', () => {
    dev.subscribers.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'diplowire-dev-translator',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: { Variables: Match.objectLike({ TARGET_LANGUAGES: 'en', TRANSLATION_PROVIDER: 'aws' }) },
    });
    dev.subscribers.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'diplowire-dev-translator-dlq',
      SqsManagedSseEnabled: true,
    });
    dev.subscribers.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'diplowire-dev-translator-dlq-not-empty',
    });
  });

  it('grants only the items table, the bus, Translate and X-Ray', () => {
    const statements = statementsOfRoleFor('diplowire-dev-translator');
    const wildcard = statements.filter((s) => s.Resource === '*').flatMap((s) => [s.Action].flat());
    expect(wildcard.sort()).toEqual(
      [
        'translate:TranslateDocument',
        'translate:TranslateText',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toContain('events:PutEvents');
    expect(actions).not.toContain('dynamodb:Scan');
    expect(actions.some((a) => a.endsWith(':*'))).toBe(false);
  });
});
