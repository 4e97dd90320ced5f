import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  disposeSynths,
  findOne,
  functionLogicalId,
  grantsOf,
  roleStatements,
  type SynthesizedApp,
  synthStage,
} from './support/synth';

let dev: SynthesizedApp;

beforeAll(() => {
  dev = synthStage('dev');
});
afterAll(disposeSynths);

const embargo = () => dev.apiStack.embargo;
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  dev.apiStack.getLogicalId(construct.node.defaultChild as never);

describe('embargo release (EventBridge Scheduler + sweeper)', () => {
  it('has a schedule group of its own', () => {
    dev.api.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'diplowire-dev-releases' });
  });

  it('the scheduler role is assumed by EventBridge Scheduler of this account only, and may only invoke the releaser and dead-letter', () => {
    const [, role] = findOne(dev.api, 'AWS::IAM::Role', (p) =>
      JSON.stringify(p.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    );
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    const statements = roleStatements(dev.api, dev.apiStack, embargo().schedulerRole);
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [functionLogicalId(dev.apiStack, embargo().releaser), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [logicalId(embargo().deadLetterQueue), 'Arn'] },
      },
    ]);
  });

  it('the releaser reads heads and the due index and makes the conditional release write; nothing else', () => {
    expect(grantsOf(dev.api, dev.apiStack, embargo().releaser.role)).toEqual({
      'ItemsTable.Arn': ['dynamodb:Query', 'dynamodb:UpdateItem'],
      'ItemsTable.Arn/index/HeldByReleaseTime': ['dynamodb:Query'],
      'EmbargoReleaserLogGroup.Arn': ['logs:CreateLogStream', 'logs:PutLogEvents'],
      // Its asynchronous invocations (schedules, the sweep rule) that fail every retry.
      'EmbargoReleaseDeadLetterQueue.Arn': ['sqs:SendMessage'],
      '"*"': ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
    });
  });

  it('the releaser waits up to a minute for an early schedule and dead-letters failed async invocations', () => {
    dev.api.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'diplowire-dev-embargo-release',
      Timeout: 90,
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [logicalId(embargo().deadLetterQueue), 'Arn'] } },
    });
  });

  it('a rule sweeps every minute (the backstop), with retries and the release DLQ', () => {
    dev.api.hasResourceProperties('AWS::Events::Rule', {
      Name: 'diplowire-dev-release-sweep',
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionLogicalId(dev.apiStack, embargo().releaser), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 120 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(embargo().deadLetterQueue), 'Arn'] } },
        }),
      ],
    });
  });

  it('the schedule manager may manage release-* schedules in its group and pass only the scheduler role', () => {
    const grants = grantsOf(dev.api, dev.apiStack, embargo().scheduleManager.role);
    const schedules = Object.keys(grants).find((k) =>
      k.includes('schedule/diplowire-dev-releases/release-*'),
    );
    expect(schedules).toBeDefined();
    expect(grants[schedules!]).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:UpdateSchedule',
    ]);
    const passRole = roleStatements(dev.api, dev.apiStack, embargo().scheduleManager.role).find(
      (s) => s.Action === 'iam:PassRole',
    ) as unknown as { Resource: unknown; Condition: unknown };
    expect(passRole).toMatchObject({
      Resource: { 'Fn::GetAtt': [logicalId(embargo().schedulerRole), 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
    expect(grants['ItemsTable.Arn']).toEqual(['dynamodb:Query']);
    expect(grants['ItemsTable.StreamArn']).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
    ]);
  });

  it('the schedule manager reads only held version rows from the stream, with retries and a DLQ', () => {
    const [, mapping] = findOne(
      dev.api,
      'AWS::Lambda::EventSourceMapping',
      (p) =>
        JSON.stringify(p.FunctionName) ===
        JSON.stringify({ Ref: functionLogicalId(dev.apiStack, embargo().scheduleManager) }),
    );
    expect(mapping.Properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      ParallelizationFactor: 1,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(embargo().streamDeadLetterQueue), 'Arn'] } },
      },
    });
    const patterns = (mapping.Properties.FilterCriteria.Filters as { Pattern: string }[]).map((f) =>
      JSON.parse(f.Pattern),
    );
    expect(patterns).toEqual([
      {
        eventName: ['INSERT'],
        dynamodb: {
          Keys: { SK: { S: [{ prefix: 'V#' }] } },
          NewImage: { holdKind: { S: [{ exists: true }] } },
        },
      },
      {
        eventName: ['MODIFY'],
        dynamodb: {
          Keys: { SK: { S: [{ prefix: 'V#' }] } },
          OldImage: { holdKind: { S: [{ exists: true }] } },
        },
      },
    ]);
  });

  it('tells the schedule manager the group, the target, the role and the DLQ of the schedules it writes', () => {
    dev.api.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'diplowire-dev-embargo-schedules',
      Environment: {
        Variables: Match.objectLike({
          RELEASE_SCHEDULE_GROUP: 'diplowire-dev-releases',
          RELEASE_FUNCTION_ARN: {
            'Fn::GetAtt': [functionLogicalId(dev.apiStack, embargo().releaser), 'Arn'],
          },
          RELEASE_SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': [logicalId(embargo().schedulerRole), 'Arn'] },
          RELEASE_DLQ_ARN: { 'Fn::GetAtt': [logicalId(embargo().deadLetterQueue), 'Arn'] },
        }),
      },
    });
  });

  it('archives only the public source: held events can never be replayed from the archive', () => {
    dev.data.hasResourceProperties('AWS::Events::Archive', {
      EventPattern: { source: ['diplowire.items'] },
    });
  });
});
