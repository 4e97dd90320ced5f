import { createHash } from 'node:crypto';
import { generatedPhysicalName, NAME_PROPERTY } from './names';
import type { ResourceContext } from './resolved';

/**
 * CloudFormation's naming conventions for common resource types, used when no emulator registered a
 * provider (or the provider returned `undefined`). They describe AWS, not an emulator's behaviour.
 */

/** Maximum generated name length per type (CloudFormation keeps generated names within the service limit). */
const MAX_NAME_LENGTH: Readonly<Record<string, number>> = {
  'AWS::SQS::Queue': 80,
  'AWS::DynamoDB::Table': 255,
  'AWS::Events::EventBus': 256,
  'AWS::Logs::LogGroup': 512,
  'AWS::S3::Bucket': 63,
};

/** Types whose physical id is a service-generated short id rather than a name. */
const SHORT_ID_TYPES = new Set([
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGatewayV2::Integration',
]);

export function defaultPhysicalId(resource: Omit<ResourceContext, 'physicalId'>): string {
  const nameProperty = NAME_PROPERTY[resource.type];
  const explicit = nameProperty ? resource.property(nameProperty) : undefined;
  if (typeof explicit === 'string' && explicit !== '') return explicit;
  if (SHORT_ID_TYPES.has(resource.type)) {
    return createHash('sha256')
      .update(`${resource.stackName}/${resource.logicalId}`)
      .digest('hex')
      .slice(0, 10);
  }
  const fifo =
    resource.type === 'AWS::SQS::Queue' && String(resource.property('FifoQueue')) === 'true' ? '.fifo' : '';
  return generatedPhysicalName(resource.stackName, resource.logicalId, {
    maxLength: MAX_NAME_LENGTH[resource.type] ?? 64,
    lowercase: resource.type === 'AWS::S3::Bucket',
    suffix: fifo,
  });
}

export function defaultArn(r: ResourceContext): string {
  const { region, accountId: account, physicalId: name } = r;
  const p = `arn:${r.partition}`;
  switch (r.type) {
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable':
      return `${p}:dynamodb:${region}:${account}:table/${name}`;
    case 'AWS::SQS::Queue':
      return `${p}:sqs:${region}:${account}:${name}`;
    case 'AWS::SNS::Topic':
      return `${p}:sns:${region}:${account}:${name}`;
    case 'AWS::Lambda::Function':
      return `${p}:lambda:${region}:${account}:function:${name}`;
    case 'AWS::Events::EventBus':
      return `${p}:events:${region}:${account}:event-bus/${name}`;
    case 'AWS::Events::Rule': {
      const bus = r.property('EventBusName');
      const busName = typeof bus === 'string' && bus !== 'default' ? `${bus.split('/').at(-1)}/` : '';
      return `${p}:events:${region}:${account}:rule/${busName}${name}`;
    }
    case 'AWS::Events::Archive':
      return `${p}:events:${region}:${account}:archive/${name}`;
    case 'AWS::IAM::Role':
      return `${p}:iam::${account}:role/${name}`;
    case 'AWS::IAM::ManagedPolicy':
      return `${p}:iam::${account}:policy/${name}`;
    case 'AWS::Logs::LogGroup':
      return `${p}:logs:${region}:${account}:log-group:${name}:*`;
    case 'AWS::S3::Bucket':
      return `${p}:s3:::${name}`;
    case 'AWS::StepFunctions::StateMachine':
      return `${p}:states:${region}:${account}:stateMachine:${name}`;
    default: {
      // Generic shape `arn:aws:<service>:<region>:<account>:<resource>/<id>`, good enough for IAM policies.
      const [, service = 'unknown', kind = 'resource'] = r.type.split('::');
      return `${p}:${service.toLowerCase()}:${region}:${account}:${kind.toLowerCase()}/${name}`;
    }
  }
}

export function defaultRef(r: ResourceContext): unknown {
  switch (r.type) {
    case 'AWS::SQS::Queue':
      return `https://sqs.${r.region}.amazonaws.com/${r.accountId}/${r.physicalId}`;
    case 'AWS::SNS::Topic':
    case 'AWS::IAM::ManagedPolicy':
    case 'AWS::StepFunctions::StateMachine':
      return defaultArn(r);
    default:
      return r.physicalId;
  }
}

export function defaultGetAtt(r: ResourceContext, attribute: string): unknown {
  switch (`${r.type}.${attribute}`) {
    case 'AWS::SQS::Queue.QueueName':
    case 'AWS::SNS::Topic.TopicName':
    case 'AWS::Events::EventBus.Name':
    case 'AWS::StepFunctions::StateMachine.Name':
      return r.physicalId;
    case 'AWS::SQS::Queue.QueueUrl':
      return defaultRef(r);
    case 'AWS::IAM::Role.RoleId':
      return `AROA${createHash('sha256').update(r.physicalId).digest('hex').slice(0, 17).toUpperCase()}`;
    case 'AWS::ApiGatewayV2::Api.ApiId':
      return r.physicalId;
    case 'AWS::ApiGatewayV2::Api.ApiEndpoint':
      return `https://${r.physicalId}.execute-api.${r.region}.amazonaws.com`;
  }
  if (attribute === 'Arn' && KNOWN_ARN_TYPES.has(r.type)) return defaultArn(r);
  return undefined;
}

const KNOWN_ARN_TYPES = new Set([
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::SQS::Queue',
  'AWS::SNS::Topic',
  'AWS::Lambda::Function',
  'AWS::Events::EventBus',
  'AWS::Events::Rule',
  'AWS::Events::Archive',
  'AWS::IAM::Role',
  'AWS::Logs::LogGroup',
  'AWS::S3::Bucket',
  'AWS::StepFunctions::StateMachine',
]);
