import type { QueueDefinition } from './model';
import { sqsQueueUrl } from './server';

/** `AWS::SQS::Queue` properties the local SQS honours; anything else (FIFO, KMS, policies) is reported. */
export const SQS_QUEUE_SUPPORT = {
  supportedProperties: [
    'QueueName',
    'VisibilityTimeout',
    'DelaySeconds',
    'MessageRetentionPeriod',
    'ReceiveMessageWaitTimeSeconds',
    'MaximumMessageSize',
    'RedrivePolicy.deadLetterTargetArn',
    'RedrivePolicy.maxReceiveCount',
    // Accepted without effect: encryption at rest and tags do not change local behaviour.
    'SqsManagedSseEnabled',
    'Tags',
  ],
} as const;

/** A queue definition from a resolved `AWS::SQS::Queue` (physical id = queue name). */
export function queueDefinitionFromTemplate(resource: {
  physicalId: string;
  properties: Record<string, unknown>;
}): QueueDefinition {
  const p = resource.properties;
  const seconds = (name: string) => (p[name] === undefined ? undefined : Number(p[name]));
  const definition: QueueDefinition = {
    name: resource.physicalId,
    visibilityTimeoutSeconds: seconds('VisibilityTimeout'),
    delaySeconds: seconds('DelaySeconds'),
    messageRetentionSeconds: seconds('MessageRetentionPeriod'),
    receiveWaitTimeSeconds: seconds('ReceiveMessageWaitTimeSeconds'),
    maximumMessageSize: seconds('MaximumMessageSize'),
  };
  // CloudFormation accepts the redrive policy as an object or as a JSON string.
  const redrive = typeof p.RedrivePolicy === 'string' ? JSON.parse(p.RedrivePolicy) : p.RedrivePolicy;
  if (redrive && typeof redrive === 'object') {
    const { deadLetterTargetArn, maxReceiveCount } = redrive as Record<string, unknown>;
    definition.redrivePolicy = {
      deadLetterTargetArn: String(deadLetterTargetArn),
      maxReceiveCount: Number(maxReceiveCount),
    };
  }
  return definition;
}

/**
 * The template resolver's provider for `AWS::SQS::Queue`: `Ref` and `QueueUrl` point at the local endpoint
 * (chosen before the queues start, e.g. with `freePort()`); `Arn` and `QueueName` keep AWS's shape.
 */
export function sqsResourceProvider(endpoint: string) {
  return {
    ref: (r: { accountId: string; physicalId: string }) => sqsQueueUrl(endpoint, r.accountId, r.physicalId),
    getAtt: (r: { accountId: string; physicalId: string; region: string }, attribute: string) => {
      switch (attribute) {
        case 'QueueUrl':
          return sqsQueueUrl(endpoint, r.accountId, r.physicalId);
        case 'QueueName':
          return r.physicalId;
        case 'Arn':
          return `arn:aws:sqs:${r.region}:${r.accountId}:${r.physicalId}`;
        default:
          return undefined;
      }
    },
  };
}

/** `AWS::Lambda::EventSourceMapping` properties the SQS poller honours. */
export const SQS_EVENT_SOURCE_MAPPING_SUPPORT = {
  supportedProperties: [
    'EventSourceArn',
    'FunctionName',
    'BatchSize',
    'MaximumBatchingWindowInSeconds',
    'FunctionResponseTypes',
    'Enabled',
    'ScalingConfig.MaximumConcurrency',
  ],
} as const;

/** Poller settings from a resolved `AWS::Lambda::EventSourceMapping` whose source is a queue. */
export function sqsEventSourceSettings(properties: Record<string, unknown>) {
  const responseTypes = Array.isArray(properties.FunctionResponseTypes)
    ? properties.FunctionResponseTypes
    : [];
  return {
    queueArn: String(properties.EventSourceArn),
    enabled: properties.Enabled === undefined || String(properties.Enabled) === 'true',
    batchSize: properties.BatchSize === undefined ? 10 : Number(properties.BatchSize),
    maximumBatchingWindowSeconds: Number(properties.MaximumBatchingWindowInSeconds ?? 0),
    reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
    maxConcurrency: Number(
      (properties.ScalingConfig as { MaximumConcurrency?: unknown } | undefined)?.MaximumConcurrency ?? 5,
    ),
  };
}
