/**
 * What the local cloud emulates: the resource types it creates and the properties each honours. The
 * start-up report (and `local/template/unsupported.generated.ts`) lists everything else.
 */
import { SUPPORTED_MAPPING_PROPERTIES } from '../dynamodb/stream-mapping';
import { SUPPORTED_TABLE_PROPERTIES } from '../dynamodb/tables';
import { LAMBDA_EVENT_INVOKE_CONFIG_SUPPORT, LAMBDA_FUNCTION_SUPPORT } from '../lambda';
import { SCHEDULER_SUPPORT } from '../scheduler';
import { SQS_EVENT_SOURCE_MAPPING_SUPPORT, SQS_QUEUE_SUPPORT } from '../sqs';
import type { SupportRegistry } from '../template';

/** Types created as local resources, and properties each honours; anything else is reported at start. */
export const LOCAL_SUPPORT: SupportRegistry = {
  'AWS::DynamoDB::Table': { supportedProperties: SUPPORTED_TABLE_PROPERTIES },
  'AWS::Lambda::Function': LAMBDA_FUNCTION_SUPPORT,
  'AWS::Lambda::EventInvokeConfig': LAMBDA_EVENT_INVOKE_CONFIG_SUPPORT,
  // One type for both sources: DynamoDB stream mappings and SQS queue mappings.
  'AWS::Lambda::EventSourceMapping': {
    supportedProperties: [
      ...new Set([...SUPPORTED_MAPPING_PROPERTIES, ...SQS_EVENT_SOURCE_MAPPING_SUPPORT.supportedProperties]),
    ],
  },
  'AWS::SQS::Queue': SQS_QUEUE_SUPPORT,
  'AWS::Events::EventBus': { supportedProperties: ['Name', 'Description', 'Tags'] },
  'AWS::Events::Rule': {
    supportedProperties: [
      'Name',
      'Description',
      'EventBusName',
      'EventPattern',
      'ScheduleExpression',
      'State',
      'Targets',
    ],
  },
  'AWS::Events::Archive': {
    supportedProperties: ['ArchiveName', 'Description', 'EventPattern', 'RetentionDays', 'SourceArn'],
  },
  'AWS::ApiGatewayV2::Api': { supportedProperties: ['Name', 'ProtocolType', 'Description', 'Tags'] },
  'AWS::ApiGatewayV2::Route': {
    supportedProperties: [
      'ApiId',
      'RouteKey',
      'Target',
      'AuthorizationType',
      'AuthorizerId',
      'OperationName',
    ],
  },
  'AWS::ApiGatewayV2::Integration': {
    supportedProperties: [
      'ApiId',
      'IntegrationType',
      'IntegrationUri',
      'PayloadFormatVersion',
      'TimeoutInMillis',
    ],
  },
  'AWS::ApiGatewayV2::Authorizer': {
    supportedProperties: [
      'ApiId',
      'Name',
      'AuthorizerType',
      'AuthorizerUri',
      'AuthorizerPayloadFormatVersion',
      'EnableSimpleResponses',
      'IdentitySource',
      'AuthorizerResultTtlInSeconds',
    ],
  },
  'AWS::ApiGatewayV2::Stage': {
    supportedProperties: ['ApiId', 'StageName', 'AutoDeploy', 'DefaultRouteSettings', 'AccessLogSettings'],
  },
  // Roles and their policies are enforced for the functions' calls (local/iam). Resource policies are
  // accepted without effect (docs/local-cloud.md, "IAM"), logs go to the console, and the schema
  // registry is documentation.
  'AWS::IAM::Role': { supportedProperties: '*' },
  'AWS::IAM::Policy': { supportedProperties: '*' },
  'AWS::IAM::ManagedPolicy': { supportedProperties: '*' },
  'AWS::Lambda::Permission': { supportedProperties: '*' },
  'AWS::SQS::QueuePolicy': { supportedProperties: '*' },
  'AWS::Logs::LogGroup': { supportedProperties: '*' },
  'AWS::EventSchemas::Registry': { supportedProperties: '*' },
  'AWS::EventSchemas::Schema': { supportedProperties: '*' },
  'AWS::CDK::Metadata': { supportedProperties: '*' },
  ...SCHEDULER_SUPPORT,
};
