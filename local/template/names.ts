import { createHash } from 'node:crypto';

/** The account every local ARN and queue URL uses. */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/**
 * The property that names a resource when the template sets it explicitly. Anything not listed gets a
 * generated CloudFormation-like name.
 */
export const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::ApiGatewayV2::Stage': 'StageName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Events::ApiDestination': 'Name',
  'AWS::Events::Archive': 'ArchiveName',
  'AWS::Events::Connection': 'Name',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Pipes::Pipe': 'Name',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Scheduler::Schedule': 'Name',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SSM::Parameter': 'Name',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
};

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A CloudFormation-like generated name `<stack>-<logicalId>-<SUFFIX>`. The suffix is derived from the
 * stack and logical id (not random) so a restarted local cloud finds its persisted tables and queues again.
 */
export function generatedPhysicalName(
  stackName: string,
  logicalId: string,
  options: { maxLength?: number; lowercase?: boolean; suffix?: string } = {},
): string {
  const maxLength = options.maxLength ?? 64;
  const digest = createHash('sha256').update(`${stackName}/${logicalId}`).digest();
  let random = '';
  for (let i = 0; i < 12; i++) random += SUFFIX_ALPHABET[digest[i]! % 32];
  const tail = `-${random}${options.suffix ?? ''}`;
  // Like CloudFormation, shorten the stack and logical id parts (not the unique suffix) to fit.
  let budget = maxLength - tail.length - 1;
  const stackPart = stackName.slice(0, Math.max(1, Math.ceil(budget / 2)));
  budget -= stackPart.length;
  const name = `${stackPart}-${logicalId.slice(0, Math.max(1, budget))}${tail}`;
  return options.lowercase ? name.toLowerCase() : name;
}

/** Stable fake stack id (CloudFormation's is an ARN ending in a UUID). */
export function stackId(stackName: string, region: string, accountId: string): string {
  const hex = createHash('sha256').update(stackName).digest('hex');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/${uuid}`;
}
