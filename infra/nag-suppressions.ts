import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { DiplowireFunction } from './constructs/diplowire-function';
import type { Subscriber } from './constructs/subscriber';
import type { ApiStack } from './stacks/api-stack';
import type { DataStack } from './stacks/data-stack';
import type { SubscribersStack } from './stacks/subscribers-stack';

/**
 * Every cdk-nag finding this app accepts, in one place for review. (cdk-nag 3 replaced
 * NagSuppressions with CDK's `Validations.of(construct).acknowledge({ id, reason })`; a finding
 * about one resource is written `Rule[Finding]`, the v2 `appliesTo`.) Each acknowledgement is on
 * the narrowest construct that triggers it. Findings that could be fixed were fixed instead:
 * explicit memory/timeout, tracing, per-function log groups with retention, throttling, JSON
 * access logs, an ESM failure destination, encrypted TLS-only queues, no managed policies.
 */

export interface NagTargets {
  readonly dataStack: DataStack;
  readonly apiStack: ApiStack;
  readonly subscribersStack: SubscribersStack;
}

interface Acknowledgement {
  readonly id: string;
  readonly reason: string;
}

const XRAY_WILDCARD: Acknowledgement = {
  id: 'AwsSolutions-IAM5[Resource::*]',
  reason:
    'Only xray:PutTraceSegments and xray:PutTelemetryRecords, added by active tracing: X-Ray has no ' +
    'resource-level permissions for these actions, so "*" is the only valid resource. Every other ' +
    'statement of this role names its table, stream, bus, queue or log group ARN.',
};

const SYNCHRONOUS_API_FUNCTION: Acknowledgement = {
  id: 'Serverless-LambdaDLQ',
  reason:
    'Invoked only synchronously by API Gateway (Lambda proxy integration or authorizer): errors are ' +
    'returned to the caller, there is no asynchronous invocation whose event a DLQ could keep.',
};

const SUBSCRIBER_DLQ: readonly Acknowledgement[] = [
  {
    id: 'AwsSolutions-SQS3',
    reason:
      "This queue is itself a dead-letter queue: the subscriber rule target's DLQ and the function's " +
      'asynchronous on-failure destination.',
  },
  {
    id: 'Serverless-SQSRedrivePolicy',
    reason:
      'A dead-letter queue has no consumer to fail and nowhere further to redrive to; an alarm fires when ' +
      'it is not empty and messages are kept 14 days for inspection and redrive by operators.',
  },
];

const XRAY_AND_LIST_STREAMS_WILDCARD: Acknowledgement = {
  id: 'AwsSolutions-IAM5[Resource::*]',
  reason:
    'Two statements need "*": the X-Ray actions of active tracing, and dynamodb:ListStreams, which the ' +
    'stream event source mapping needs and which has no resource-level permissions (on a stream ARN it ' +
    'grants nothing). Every other statement names its stream, bus, queue or log group ARN.',
};

const TRANSLATE_AND_XRAY_WILDCARD: Acknowledgement = {
  id: 'AwsSolutions-IAM5[Resource::*]',
  reason:
    'Two statements need "*": the X-Ray actions of active tracing, and translate:TranslateText / ' +
    'translate:TranslateDocument, which Amazon Translate does not scope to resources (only terminologies ' +
    'and parallel data have ARNs, and none are used). Every other statement names its table or bus ARN.',
};

function acknowledgeSubscriber(subscriber: Subscriber, roleWildcard: Acknowledgement = XRAY_WILDCARD): void {
  acknowledge(subscriber.fn.role, [roleWildcard]);
  acknowledge(subscriber.deadLetterQueue, SUBSCRIBER_DLQ);
}

export function acknowledgeNagFindings({ dataStack, apiStack, subscribersStack }: NagTargets): void {
  const email = dataStack.alarmTopic.emailSubscription;
  if (email) {
    acknowledge(email, [
      {
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'The optional e-mail subscription of the alarm topic: a notification mail that bounces has no ' +
          'consumer a DLQ could redrive to; the alarm itself stays visible in CloudWatch and on the dashboard.',
      },
    ]);
  }
  acknowledgeSubscriber(subscribersStack.translator, TRANSLATE_AND_XRAY_WILDCARD);
  acknowledgeSubscriber(subscribersStack.webhookFanout);
  acknowledgeWebhookDeliveries(subscribersStack);

  const functions: DiplowireFunction[] = [
    apiStack.authorizer,
    apiStack.itemsWrite,
    apiStack.itemsRead,
    apiStack.subscriptionsApi,
    apiStack.outboxPublisher,
    apiStack.feedApi,
    apiStack.feedProjector.projector,
  ];
  for (const fn of functions) {
    const readsTheStream = fn === apiStack.outboxPublisher || fn === apiStack.feedProjector.projector;
    acknowledge(fn.role, [readsTheStream ? XRAY_AND_LIST_STREAMS_WILDCARD : XRAY_WILDCARD]);
  }

  for (const fn of [
    apiStack.authorizer,
    apiStack.itemsWrite,
    apiStack.itemsRead,
    apiStack.subscriptionsApi,
    apiStack.feedApi,
  ]) {
    acknowledge(fn.function, [SYNCHRONOUS_API_FUNCTION]);
  }
  for (const fn of [apiStack.outboxPublisher, apiStack.feedProjector.projector]) {
    acknowledge(fn.function, [
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked only by its DynamoDB stream event source mapping, never asynchronously; failed batches ' +
          'go to the mapping on-failure destination (its stream DLQ), which is what a function DLQ would do.',
      },
    ]);
  }

  acknowledgeEmbargoRelease(apiStack);
  acknowledge(apiStack.httpApi.problemDocsRoute, [
    {
      id: 'AwsSolutions-APIG4',
      reason:
        'GET /problems/{slug} serves the public documentation of the RFC 9457 problem types the API ' +
        'answers with (where their `type` URIs point); it reads no data. Every other route has the ' +
        'API key authorizer.',
    },
  ]);

  for (const dlq of [apiStack.outbox.deadLetterQueue, apiStack.feedProjector.deadLetterQueue])
    acknowledge(dlq, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself a dead-letter queue: the on-failure destination of a stream ' +
          'mapping (cdk-nag only recognises DLQs of queues and function DeadLetterConfig).',
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'A dead-letter queue has no consumer to fail and nowhere further to redrive to; its messages are ' +
          'read by operators (alarm when not empty) and kept 14 days.',
      },
    ]);
}

/** Embargo release: two functions, the scheduler's group-scoped schedules and two DLQs. */
function acknowledgeEmbargoRelease(apiStack: ApiStack): void {
  const { embargo } = apiStack;
  acknowledge(embargo.releaser.role, [XRAY_WILDCARD]);
  acknowledge(embargo.scheduleManager.role, [
    XRAY_WILDCARD,
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${embargo.scheduleGroup.name}/release-*]`,
      reason:
        'One schedule per held item, named release-<itemId> at run time: the pattern is limited to that name ' +
        'prefix inside the release schedule group, and the role may only create, update and delete them.',
    },
  ]);
  for (const queue of [embargo.deadLetterQueue, embargo.schedulesDeadLetterQueue]) {
    acknowledge(queue, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself a dead-letter queue (of the release schedules, the sweep rule target and the ' +
          "releaser's asynchronous invocations, or of the schedule manager's rule targets and invocations).",
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'A dead-letter queue has no consumer to fail and nowhere further to redrive to; an alarm fires when ' +
          'it is not empty and messages are kept 14 days.',
      },
    ]);
  }
}

/** The deliveries queue's consumer: the dispatcher, its SQS event source mapping and the queue's DLQ. */
function acknowledgeWebhookDeliveries(subscribersStack: SubscribersStack): void {
  const dispatcher = subscribersStack.webhookDispatcher;
  acknowledge(dispatcher.function, [
    {
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked only by its SQS event source mapping, never asynchronously: a function DLQ would never ' +
        'receive anything. Messages that keep failing are moved by the deliveries queue redrive policy ' +
        '(maxReceiveCount 5) to its own dead-letter queue, which is alarmed.',
    },
  ]);
  acknowledge(dispatcher.role, [XRAY_WILDCARD]);
  acknowledge(subscribersStack.dispatcherMapping, [
    {
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'Lambda supports on-failure destinations only for stream and Kafka sources, not for SQS: failed ' +
        'delivery messages reappear after the visibility timeout and, after 5 receives, go to the deliveries ' +
        "queue's redrive dead-letter queue, which is alarmed.",
    },
  ]);
  acknowledge(subscribersStack.deliveries.deadLetterQueue, [
    {
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This queue is itself the dead-letter queue of the webhook deliveries queue: it has no consumer to ' +
        'fail; an alarm fires when it is not empty and operators redrive it after fixing the cause (14 days).',
    },
  ]);
}

function acknowledge(scope: IConstruct, acknowledgements: readonly Acknowledgement[]): void {
  Validations.of(scope).acknowledge(...acknowledgements);
}
