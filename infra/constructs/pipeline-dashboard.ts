import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, type IMetric, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { resourceName, type StageConfig } from '../config';
import { METRICS_NAMESPACE } from './diplowire-function';

/**
 * The Powertools metrics the dashboard plots, by the function (`service` dimension) that emits them.
 * tests/infra/monitoring.test.ts checks that the code really emits each name.
 */
export const DASHBOARD_METRICS = {
  accepted: { service: 'items-write', names: ['ItemCreated', 'ItemCorrected', 'ItemRetracted'] },
  published: { service: 'outbox-publisher', names: ['EventsPublished', 'EventsFailed'] },
  fanout: { service: 'webhook-fanout', names: ['WebhookDeliveriesCreated', 'WebhookMatchesRefused'] },
  deliveries: {
    service: 'webhook-dispatcher',
    names: [
      'WebhookDelivered',
      'WebhookAttemptFailed',
      'WebhookDeliveryFailed',
      'WebhookEndpointGone',
      'WebhookPartnerRevoked',
      'WebhookDeliveryPaced',
    ],
  },
  translations: { service: 'translator', names: ['TranslationsCompleted', 'TranslationsSkipped'] },
} as const;

export interface PipelineDashboardProps {
  readonly config: StageConfig;
  readonly outboxPublisher: IFunction;
  /** Dead-letter queues by the label shown on the dashboard. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
}

const PERIOD = Duration.minutes(1);

function sums(group: keyof typeof DASHBOARD_METRICS): IMetric[] {
  const { service, names } = DASHBOARD_METRICS[group];
  return names.map(
    (metricName) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        statistic: 'Sum',
        period: PERIOD,
      }),
  );
}

/**
 * One CloudWatch dashboard for the pipeline, left to right as an item travels: accepted, published,
 * the outbox's lag, dead-letter queues, webhook delivery outcomes and translation outcomes.
 */
export class PipelineDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const dashboardName = resourceName(props.config.stage, 'pipeline');
    const graph = (title: string, left: IMetric[]) => new GraphWidget({ title, left, width: 8, height: 6 });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          graph('Items accepted (per minute)', sums('accepted')),
          graph('Events published to the bus', sums('published')),
          graph('Outbox iterator age (ms, max)', [
            props.outboxPublisher.metric('IteratorAge', { statistic: 'Maximum', period: PERIOD }),
          ]),
        ],
        [
          graph(
            'Dead-letter queue depths',
            Object.entries(props.deadLetterQueues).map(([label, queue]) =>
              queue.metricApproximateNumberOfMessagesVisible({ label, statistic: 'Maximum', period: PERIOD }),
            ),
          ),
          graph('Webhook deliveries', [...sums('fanout'), ...sums('deliveries')]),
          graph('Translations', sums('translations')),
        ],
      ],
    });
    const region = Stack.of(this).region;
    new CfnOutput(this, 'DashboardName', { value: dashboardName, description: 'The pipeline dashboard.' });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName}`,
      description: 'The pipeline dashboard in the CloudWatch console.',
    });
  }
}
