import { describe, expect, it } from 'vitest';
import {
  queueDefinitionFromTemplate,
  SQS_QUEUE_SUPPORT,
  sqsEventSourceSettings,
  sqsResourceProvider,
} from '#local/sqs/index.ts';
import { resolveTemplate, unsupportedReport } from '#local/template/index.ts';

const template = {
  Resources: {
    Dlq: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 1_209_600 } },
    Jobs: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: 'jobs',
        VisibilityTimeout: 90,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 5 },
        FifoQueue: true,
      },
    },
    Consumer: {
      Type: 'Custom::Probe',
      Properties: { Url: { Ref: 'Jobs' }, Name: { 'Fn::GetAtt': ['Jobs', 'QueueName'] } },
    },
  },
};

describe('SQS template support', () => {
  it('turns resolved queues into queue definitions with local URLs', () => {
    const stack = resolveTemplate(template, {
      stackName: 'Demo',
      providers: { 'AWS::SQS::Queue': sqsResourceProvider('http://127.0.0.1:4576') },
    });
    expect(stack.resources.Consumer!.properties).toEqual({
      Url: 'http://127.0.0.1:4576/000000000000/jobs',
      Name: 'jobs',
    });
    const dlqName = stack.resources.Dlq!.physicalId;
    expect(queueDefinitionFromTemplate(stack.resources.Jobs!)).toEqual({
      name: 'jobs',
      visibilityTimeoutSeconds: 90,
      delaySeconds: undefined,
      messageRetentionSeconds: undefined,
      receiveWaitTimeSeconds: undefined,
      maximumMessageSize: undefined,
      redrivePolicy: {
        deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${dlqName}`,
        maxReceiveCount: 5,
      },
    });
    expect(queueDefinitionFromTemplate(stack.resources.Dlq!).messageRetentionSeconds).toBe(1_209_600);
    // FIFO is not emulated: the report says so.
    const warnings = unsupportedReport([stack], { 'AWS::SQS::Queue': SQS_QUEUE_SUPPORT });
    expect(warnings.filter((w) => w.type === 'AWS::SQS::Queue').map((w) => w.property)).toEqual([
      'FifoQueue',
    ]);
  });

  it('reads event source mapping settings with Lambda defaults', () => {
    expect(sqsEventSourceSettings({ EventSourceArn: 'arn:q' })).toEqual({
      queueArn: 'arn:q',
      enabled: true,
      batchSize: 10,
      maximumBatchingWindowSeconds: 0,
      reportBatchItemFailures: false,
      maxConcurrency: 5,
    });
    expect(
      sqsEventSourceSettings({
        EventSourceArn: 'arn:q',
        Enabled: false,
        BatchSize: 5,
        MaximumBatchingWindowInSeconds: 2,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      }),
    ).toMatchObject({
      enabled: false,
      batchSize: 5,
      maximumBatchingWindowSeconds: 2,
      reportBatchItemFailures: true,
      maxConcurrency: 2,
    });
  });
});
