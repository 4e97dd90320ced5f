/**
 * What only a deployed stage answers (there is no AWS account in the tests, and the local cloud has no
 * CloudFormation or CloudWatch): the clients are replaced with aws-sdk-client-mock, and the tests check
 * the calls ops makes and how it reads the answers.
 */
import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudWatchMonitoring } from '#shared/adapters/ops/monitoring.ts';
import {
  describeStageOutputs,
  MissingResourceError,
  resourcesFromOutputs,
  type StackOutputs,
  stageOfOutputs,
} from '#shared/adapters/ops/stage.ts';

const cloudformation = mockClient(CloudFormationClient);
const cloudwatch = mockClient(CloudWatchClient);
afterEach(() => {
  cloudformation.reset();
  cloudwatch.reset();
});

const url = (name: string) => `https://sqs.eu-west-1.amazonaws.com/123456789012/${name}`;

function prodOutputs(): StackOutputs {
  return {
    'Diplowire-prod-Data': {
      ItemsTableName: 'diplowire-prod-items',
      PartnersTableName: 'diplowire-prod-partners',
      WebhooksTableName: 'diplowire-prod-webhooks',
      EventBusName: 'diplowire-prod',
      EventBusArchiveName: 'diplowire-prod-items',
      AlarmNamePrefix: 'diplowire-prod-',
    },
    'Diplowire-prod-Subscribers': {
      WebhookDeliveriesQueueUrl: url('diplowire-prod-webhook-deliveries'),
      DeadLetterQueueWebhookDeliveriesDlq: url('diplowire-prod-webhook-deliveries-dlq'),
      DeadLetterQueueTranslatorDlq: url('diplowire-prod-translator-dlq'),
    },
    'Diplowire-prod-Api': {
      OutboxPublisherFunctionName: 'diplowire-prod-outbox-publisher',
      DeadLetterQueueOutboxDlq: url('diplowire-prod-outbox-dlq'),
      // The same queue under its older output name is listed once.
      OutboxDeadLetterQueueUrl: url('diplowire-prod-outbox-dlq'),
      MonitoringDashboardUrlDB84D4CA: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home#dashboards',
    },
  };
}

describe('stack outputs', () => {
  it('reads the three stacks of the stage with DescribeStacks', async () => {
    const outputs = prodOutputs();
    cloudformation.on(DescribeStacksCommand).callsFake(({ StackName }: { StackName: string }) => ({
      Stacks: [
        {
          StackName,
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: Object.entries(outputs[StackName] ?? {}).map(([OutputKey, OutputValue]) => ({
            OutputKey,
            OutputValue,
          })),
        },
      ],
    }));
    const read = await describeStageOutputs(new CloudFormationClient({ region: 'eu-west-1' }), 'prod');
    expect(read).toEqual(outputs);
    expect(cloudformation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName)).toEqual([
      'Diplowire-prod-Data',
      'Diplowire-prod-Subscribers',
      'Diplowire-prod-Api',
    ]);
  });

  it('says which stack is not deployed', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: 'ValidationError',
        message: 'Stack with id Diplowire-staging-Data does not exist',
        $fault: 'client',
        $metadata: {},
      }),
    );
    await expect(
      describeStageOutputs(new CloudFormationClient({ region: 'eu-west-1' }), 'staging'),
    ).rejects.toThrow(
      new MissingResourceError('Stack Diplowire-staging-Data does not exist in this account and region.'),
    );
  });

  it('resolves every resource ops needs, each DLQ once, and the dashboard', () => {
    const resources = resourcesFromOutputs('prod', prodOutputs());
    expect(resources).toEqual({
      stage: 'prod',
      itemsTable: 'diplowire-prod-items',
      partnersTable: 'diplowire-prod-partners',
      webhooksTable: 'diplowire-prod-webhooks',
      eventBusName: 'diplowire-prod',
      archiveName: 'diplowire-prod-items',
      alarmNamePrefix: 'diplowire-prod-',
      deliveryQueueUrl: url('diplowire-prod-webhook-deliveries'),
      outboxPublisherFunction: 'diplowire-prod-outbox-publisher',
      deadLetterQueueUrls: [
        url('diplowire-prod-outbox-dlq'),
        url('diplowire-prod-translator-dlq'),
        url('diplowire-prod-webhook-deliveries-dlq'),
      ],
      dashboardUrl: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home#dashboards',
    });
    expect(stageOfOutputs(prodOutputs())).toBe('prod');
  });

  it('names the missing output and its stack (stacks deployed from an older version)', () => {
    const outputs = prodOutputs();
    delete outputs['Diplowire-prod-Subscribers']?.WebhookDeliveriesQueueUrl;
    expect(() => resourcesFromOutputs('prod', outputs)).toThrow(
      'Output WebhookDeliveriesQueueUrl of stack Diplowire-prod-Subscribers is missing',
    );
    expect(() => resourcesFromOutputs('dev', outputs)).toThrow('Stack Diplowire-dev-Data not found.');
  });
});

describe('CloudWatch', () => {
  it('lists the alarms in ALARM under the stage prefix, across pages', async () => {
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({
        MetricAlarms: [
          {
            AlarmName: 'diplowire-prod-outbox-dlq-not-empty',
            StateReason: 'Threshold Crossed',
            StateUpdatedTimestamp: new Date('2026-12-05T05:00:00Z'),
          },
        ],
        NextToken: 'next',
      })
      .resolvesOnce({
        CompositeAlarms: [{ AlarmName: 'diplowire-prod-composite', StateReason: 'children' }],
      });
    const alarms = await new CloudWatchMonitoring(
      new CloudWatchClient({ region: 'eu-west-1' }),
    ).alarmsInAlarm('diplowire-prod-');
    expect(alarms).toEqual({
      available: true,
      value: [
        {
          name: 'diplowire-prod-outbox-dlq-not-empty',
          reason: 'Threshold Crossed',
          since: '2026-12-05T05:00:00.000Z',
        },
        { name: 'diplowire-prod-composite', reason: 'children' },
      ],
    });
    const inputs = cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({ AlarmNamePrefix: 'diplowire-prod-', StateValue: 'ALARM' });
    expect(inputs[1]?.NextToken).toBe('next');
  });

  it("reads the latest maximum of IteratorAge and of each queue's oldest message age (seconds to ms)", async () => {
    const now = new Date('2026-12-05T06:00:00Z');
    cloudwatch
      .on(GetMetricDataCommand)
      .callsFake(({ MetricDataQueries }: { MetricDataQueries: Array<{ Id: string }> }) => ({
        MetricDataResults: MetricDataQueries.map((q, i) => ({
          Id: q.Id,
          Values: i === 1 ? [] : [120 + i, 5],
        })),
      }));
    const monitoring = new CloudWatchMonitoring(new CloudWatchClient({ region: 'eu-west-1' }), () => now);
    expect(await monitoring.iteratorAgeMs('diplowire-prod-outbox-publisher')).toEqual({
      available: true,
      value: 120,
    });
    const ages = await monitoring.oldestMessageAgesMs(['a-dlq', 'b-dlq']);
    expect(ages.get('a-dlq')).toEqual({ available: true, value: 120_000 });
    expect(ages.get('b-dlq')).toEqual({ available: true, value: null });
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[1]?.args[0].input;
    expect(input?.StartTime).toEqual(new Date('2026-12-05T05:55:00Z'));
    expect(input?.MetricDataQueries?.[0]?.MetricStat).toMatchObject({
      Metric: {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: 'a-dlq' }],
      },
      Stat: 'Maximum',
    });
  });
});
