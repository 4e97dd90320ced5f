import { describe, expect, it } from 'vitest';
import { type SupportRegistry, unsupportedReport } from '#local/template/index.ts';

const registry: SupportRegistry = {
  'AWS::SQS::Queue': {
    supportedProperties: [
      'QueueName',
      'VisibilityTimeout',
      'RedrivePolicy.deadLetterTargetArn',
      'RedrivePolicy.maxReceiveCount',
    ],
  },
  'AWS::IAM::Role': { supportedProperties: '*' },
};

describe('unsupportedReport', () => {
  it('lists unsupported types and ignored (nested) properties, nothing for supported ones', () => {
    const warnings = unsupportedReport(
      [
        {
          stackName: 'Demo',
          resources: {
            Q: {
              logicalId: 'Q',
              type: 'AWS::SQS::Queue',
              properties: {
                QueueName: 'jobs',
                FifoQueue: true,
                RedrivePolicy: { deadLetterTargetArn: 'arn', maxReceiveCount: 3, extra: 1 },
              },
            },
            Role: { logicalId: 'Role', type: 'AWS::IAM::Role', properties: { Anything: 1 } },
            Alarm: { logicalId: 'Alarm', type: 'AWS::CloudWatch::Alarm', properties: { Threshold: 1 } },
          },
        },
      ],
      registry,
    );
    expect(warnings.map((w) => [w.logicalId, w.property ?? null])).toEqual([
      ['Q', 'FifoQueue'],
      ['Q', 'RedrivePolicy.extra'],
      ['Alarm', null],
    ]);
    expect(warnings[2]!.message).toBe(
      'Demo/Alarm: resource type AWS::CloudWatch::Alarm is not supported locally; it is not created',
    );
    expect(warnings[0]!.message).toContain('FifoQueue');
  });

  it('reports a partially supported property that is not an object as a whole', () => {
    const warnings = unsupportedReport(
      [
        {
          stackName: 'S',
          resources: {
            Q: { logicalId: 'Q', type: 'AWS::SQS::Queue', properties: { RedrivePolicy: 'json' } },
          },
        },
      ],
      registry,
    );
    expect(warnings.map((w) => w.property)).toEqual(['RedrivePolicy']);
  });

  it('tells a property CloudFormation ignores locally from one CloudFormation does not define', () => {
    const warnings = unsupportedReport(
      [
        {
          stackName: 'S',
          resources: {
            Q: { logicalId: 'Q', type: 'AWS::SQS::Queue', properties: { FifoQueue: true, MaxReceives: 3 } },
          },
        },
      ],
      registry,
      { 'AWS::SQS::Queue': ['DelaySeconds', 'FifoQueue'] },
    );
    expect(warnings.map((w) => w.message)).toEqual([
      'S/Q: property FifoQueue of AWS::SQS::Queue is ignored locally',
      "S/Q: property MaxReceives is not a property of AWS::SQS::Queue in CloudFormation's schema; ignored",
    ]);
  });
});
