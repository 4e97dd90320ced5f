import { describe, expect, it } from 'vitest';
import { fromCloudFormation } from '#local/eventbridge/cloudformation.ts';

describe('fromCloudFormation', () => {
  it('maps resolved Events properties to local definitions with AWS ARNs', () => {
    const defs = fromCloudFormation(
      [
        { logicalId: 'Bus', type: 'AWS::Events::EventBus', properties: { Name: 'diplowire' } },
        {
          logicalId: 'PublishedRule1A2B',
          type: 'AWS::Events::Rule',
          properties: {
            EventBusName: 'arn:aws:events:eu-west-1:111122223333:event-bus/diplowire',
            EventPattern: { source: ['diplowire.items'] },
            State: 'ENABLED',
            Targets: [
              {
                Id: 'Target0',
                Arn: 'arn:aws:sqs:eu-west-1:111122223333:q',
                InputTransformer: { InputPathsMap: { id: '$.detail.itemId' }, InputTemplate: '{"id": <id>}' },
                RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
                DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:111122223333:dlq' },
              },
            ],
          },
        },
        {
          logicalId: 'Nightly',
          type: 'AWS::Events::Rule',
          properties: { ScheduleExpression: 'rate(1 day)', State: 'DISABLED' },
        },
        {
          logicalId: 'Archive',
          type: 'AWS::Events::Archive',
          properties: {
            SourceArn: 'arn:aws:events:eu-west-1:111122223333:event-bus/diplowire',
            RetentionDays: 30,
          },
        },
        { logicalId: 'Other', type: 'AWS::SQS::Queue', properties: {} },
      ],
      { region: 'eu-west-1', accountId: '111122223333' },
    );
    expect(defs.buses).toEqual([
      { name: 'diplowire', arn: 'arn:aws:events:eu-west-1:111122223333:event-bus/diplowire' },
    ]);
    expect(defs.rules[0]).toEqual({
      name: 'PublishedRule1A2B',
      arn: 'arn:aws:events:eu-west-1:111122223333:rule/diplowire/PublishedRule1A2B',
      eventBusName: 'diplowire',
      eventPattern: { source: ['diplowire.items'] },
      state: 'ENABLED',
      targets: [
        {
          id: 'Target0',
          arn: 'arn:aws:sqs:eu-west-1:111122223333:q',
          inputTransformer: { inputPathsMap: { id: '$.detail.itemId' }, inputTemplate: '{"id": <id>}' },
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 600 },
          deadLetterArn: 'arn:aws:sqs:eu-west-1:111122223333:dlq',
        },
      ],
    });
    expect(defs.rules[1]).toMatchObject({
      name: 'Nightly',
      arn: 'arn:aws:events:eu-west-1:111122223333:rule/Nightly',
      eventBusName: 'default',
      scheduleExpression: 'rate(1 day)',
      state: 'DISABLED',
    });
    expect(defs.archives).toEqual([
      {
        name: 'Archive',
        arn: 'arn:aws:events:eu-west-1:111122223333:archive/Archive',
        sourceBusArn: 'arn:aws:events:eu-west-1:111122223333:event-bus/diplowire',
        retentionDays: 30,
      },
    ]);
  });
});
