/**
 * EventBridge Scheduler's resources as its API describes them (the `scheduler` 2021-06-30 model:
 * shapes, constraints and defaults), and the checks CreateSchedule/UpdateSchedule apply to a request.
 */
import { isTimeZone } from '../support/aws-cron';
import { InvalidScheduleError, parseScheduleExpression, type ScheduleTiming } from './expression';

export class SchedulerApiError extends Error {
  constructor(
    readonly type:
      | 'ValidationException'
      | 'ResourceNotFoundException'
      | 'ConflictException'
      | 'ServiceQuotaExceededException'
      | 'InternalServerException',
    message: string,
  ) {
    super(message);
    this.name = type;
  }

  get status(): number {
    return {
      ValidationException: 400,
      ResourceNotFoundException: 404,
      ConflictException: 409,
      ServiceQuotaExceededException: 402,
      InternalServerException: 500,
    }[this.type];
  }
}

export const validation = (message: string) => new SchedulerApiError('ValidationException', message);
export const notFound = (message: string) => new SchedulerApiError('ResourceNotFoundException', message);
export const conflict = (message: string) => new SchedulerApiError('ConflictException', message);

/** The target as the API takes and returns it (only the templated targets run locally). */
export interface TargetInput {
  Arn: string;
  RoleArn: string;
  Input?: string;
  RetryPolicy?: { MaximumEventAgeInSeconds?: number; MaximumRetryAttempts?: number };
  DeadLetterConfig?: { Arn?: string };
  EventBridgeParameters?: { DetailType: string; Source: string };
  SqsParameters?: { MessageGroupId?: string };
}

export type TargetKind = 'lambda' | 'sqs' | 'eventbridge';

/** A schedule's definition: what GetSchedule returns (dates in epoch ms here, seconds on the wire). */
export interface ScheduleDefinition {
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  StartDate?: number;
  EndDate?: number;
  Description?: string;
  State: 'ENABLED' | 'DISABLED';
  KmsKeyArn?: string;
  FlexibleTimeWindow: { Mode: 'OFF' | 'FLEXIBLE'; MaximumWindowInMinutes?: number };
  ActionAfterCompletion: 'NONE' | 'DELETE';
  Target: TargetInput;
}

export const NAME_PATTERN = /^[0-9a-zA-Z-_.]+$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const QUEUE_ARN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+$/;
const KMS_ARN = /^arn:aws(-[a-z]+)?:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[0-9a-zA-Z-_]*$/;
/** Recurring schedules may not start more than five minutes in the past (Scheduler's own check). */
const START_DATE_GRACE_MS = 5 * 60_000;

// biome-ignore lint/suspicious/noExplicitAny: request bodies are untyped JSON checked field by field here
type Json = any;

function constraint(value: unknown, path: string, rule: string): SchedulerApiError {
  return validation(
    `1 validation error detected: Value ${JSON.stringify(value) ?? 'null'} at '${path}' failed to satisfy constraint: ${rule}`,
  );
}

export function checkName(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > 64)
    throw constraint(value, path, 'Member must have length between 1 and 64');
  if (!NAME_PATTERN.test(value))
    throw constraint(value, path, `Member must satisfy regular expression pattern: ${NAME_PATTERN.source}`);
  return value;
}

function optionalString(body: Json, key: string, path: string, min: number, max: number): string | undefined {
  const value = body?.[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length < min || value.length > max)
    throw constraint(value, path, `Member must have length between ${min} and ${max}`);
  return value;
}

function optionalInteger(
  body: Json,
  key: string,
  path: string,
  min: number,
  max: number,
): number | undefined {
  const value = body?.[key];
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || value < min || value > max)
    throw constraint(
      value,
      path,
      `Member must have value ${value < min ? 'greater than or equal to' : 'less than or equal to'} ${value < min ? min : max}`,
    );
  return value;
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (!allowed.includes(value as T))
    throw constraint(value, path, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  return value as T;
}

/** Epoch seconds (the wire format of `timestamp` in REST-JSON) to epoch ms. */
function optionalDate(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw validation(`Invalid ${path}: ${String(value)}`);
  return ms;
}

export function targetKind(arn: string): TargetKind | undefined {
  if (/^arn:aws[a-z-]*:lambda:/.test(arn)) return 'lambda';
  if (/^arn:aws[a-z-]*:sqs:/.test(arn)) return 'sqs';
  if (/^arn:aws[a-z-]*:events:[^:]*:[^:]*:event-bus\//.test(arn)) return 'eventbridge';
  return undefined;
}

function checkTarget(target: Json): TargetInput {
  if (target === undefined || target === null || typeof target !== 'object')
    throw constraint(target, 'target', 'Member must not be null');
  const arn = optionalString(target, 'Arn', 'target.arn', 1, 1600);
  if (arn === undefined) throw constraint(null, 'target.arn', 'Member must not be null');
  const roleArn = optionalString(target, 'RoleArn', 'target.roleArn', 1, 1600);
  if (roleArn === undefined) throw constraint(null, 'target.roleArn', 'Member must not be null');
  if (!ROLE_ARN.test(roleArn))
    throw constraint(
      roleArn,
      'target.roleArn',
      `Member must satisfy regular expression pattern: ${ROLE_ARN.source}`,
    );
  const kind = targetKind(arn);
  if (kind === undefined)
    throw validation(
      `Target ${arn} is not supported by the local EventBridge Scheduler: it runs Lambda function, SQS queue and EventBridge event bus targets.`,
    );
  const out: TargetInput = { Arn: arn, RoleArn: roleArn };
  const input = target.Input;
  if (input !== undefined && input !== null) {
    if (typeof input !== 'string' || input.length < 1)
      throw constraint(input, 'target.input', 'Member must have length greater than or equal to 1');
    if (kind !== 'sqs') {
      try {
        JSON.parse(input);
      } catch {
        throw validation('Invalid request: the target Input must be well-formed JSON for this target type.');
      }
    }
    out.Input = input;
  }
  if (target.RetryPolicy !== undefined && target.RetryPolicy !== null) {
    const age = optionalInteger(
      target.RetryPolicy,
      'MaximumEventAgeInSeconds',
      'target.retryPolicy.maximumEventAgeInSeconds',
      60,
      86_400,
    );
    const attempts = optionalInteger(
      target.RetryPolicy,
      'MaximumRetryAttempts',
      'target.retryPolicy.maximumRetryAttempts',
      0,
      185,
    );
    out.RetryPolicy = {
      ...(age !== undefined && { MaximumEventAgeInSeconds: age }),
      ...(attempts !== undefined && { MaximumRetryAttempts: attempts }),
    };
  }
  if (target.DeadLetterConfig !== undefined && target.DeadLetterConfig !== null) {
    const dlq = optionalString(target.DeadLetterConfig, 'Arn', 'target.deadLetterConfig.arn', 1, 1600);
    if (dlq !== undefined && !QUEUE_ARN.test(dlq))
      throw constraint(
        dlq,
        'target.deadLetterConfig.arn',
        `Member must satisfy regular expression pattern: ${QUEUE_ARN.source}`,
      );
    out.DeadLetterConfig = dlq === undefined ? {} : { Arn: dlq };
  }
  if (target.EventBridgeParameters !== undefined && target.EventBridgeParameters !== null) {
    const p = target.EventBridgeParameters;
    const detailType = optionalString(p, 'DetailType', 'target.eventBridgeParameters.detailType', 1, 128);
    const source = optionalString(p, 'Source', 'target.eventBridgeParameters.source', 1, 256);
    if (detailType === undefined)
      throw constraint(null, 'target.eventBridgeParameters.detailType', 'Member must not be null');
    if (source === undefined)
      throw constraint(null, 'target.eventBridgeParameters.source', 'Member must not be null');
    if (source.startsWith('aws.'))
      throw constraint(source, 'target.eventBridgeParameters.source', 'Member must not start with aws.');
    out.EventBridgeParameters = { DetailType: detailType, Source: source };
  }
  if (kind === 'eventbridge' && out.EventBridgeParameters === undefined)
    throw validation('EventBridgeParameters are required for an EventBridge event bus target.');
  if (target.SqsParameters !== undefined && target.SqsParameters !== null) {
    const group = optionalString(
      target.SqsParameters,
      'MessageGroupId',
      'target.sqsParameters.messageGroupId',
      1,
      128,
    );
    out.SqsParameters = group === undefined ? {} : { MessageGroupId: group };
  }
  if (kind === 'sqs' && arn.endsWith('.fifo') && out.SqsParameters?.MessageGroupId === undefined)
    throw validation('SqsParameters.MessageGroupId is required for a FIFO queue target.');
  for (const unsupported of ['EcsParameters', 'KinesisParameters', 'SageMakerPipelineParameters']) {
    if (target[unsupported] !== undefined && target[unsupported] !== null)
      throw validation(`${unsupported} are not supported by the local EventBridge Scheduler.`);
  }
  return out;
}

/**
 * Checks a CreateSchedule/UpdateSchedule request (Name from the path) and applies the API's defaults.
 * Returns the definition and its parsed timing.
 */
export function checkScheduleRequest(
  name: string,
  body: Json,
  now: number,
): { definition: ScheduleDefinition; timing: ScheduleTiming } {
  checkName(name, 'name');
  const groupName =
    body?.GroupName === undefined || body?.GroupName === null
      ? 'default'
      : checkName(body.GroupName, 'groupName');
  const expression = optionalString(body, 'ScheduleExpression', 'scheduleExpression', 1, 256);
  if (expression === undefined) throw constraint(null, 'scheduleExpression', 'Member must not be null');
  const timezone = optionalString(body, 'ScheduleExpressionTimezone', 'scheduleExpressionTimezone', 1, 50);
  if (timezone !== undefined && !isTimeZone(timezone))
    throw validation(`Invalid ScheduleExpressionTimezone: ${timezone} is not a time zone.`);
  let timing: ScheduleTiming;
  try {
    timing = parseScheduleExpression(expression, timezone ?? 'UTC');
  } catch (error) {
    if (error instanceof InvalidScheduleError) throw validation(`Invalid Schedule Expression ${expression}.`);
    throw error;
  }
  const window = body?.FlexibleTimeWindow;
  if (window === undefined || window === null)
    throw constraint(null, 'flexibleTimeWindow', 'Member must not be null');
  const mode = oneOf(window.Mode, 'flexibleTimeWindow.mode', ['OFF', 'FLEXIBLE'] as const, 'OFF');
  if (window.Mode === undefined || window.Mode === null)
    throw constraint(null, 'flexibleTimeWindow.mode', 'Member must not be null');
  const maxWindow = optionalInteger(
    window,
    'MaximumWindowInMinutes',
    'flexibleTimeWindow.maximumWindowInMinutes',
    1,
    1440,
  );
  if (mode === 'FLEXIBLE' && maxWindow === undefined)
    throw validation('MaximumWindowInMinutes is required when FlexibleTimeWindow Mode is FLEXIBLE.');
  if (mode === 'OFF' && maxWindow !== undefined)
    throw validation('MaximumWindowInMinutes must not be set when FlexibleTimeWindow Mode is OFF.');
  const startDate = optionalDate(body?.StartDate, 'StartDate');
  const endDate = optionalDate(body?.EndDate, 'EndDate');
  if (timing.kind !== 'at') {
    if (startDate !== undefined && startDate < now - START_DATE_GRACE_MS)
      throw validation('The StartDate you specify cannot be earlier than 5 minutes ago.');
    if (endDate !== undefined && endDate <= now)
      throw validation('The EndDate you specify cannot be in the past.');
    if (startDate !== undefined && endDate !== undefined && endDate <= startDate)
      throw validation('The EndDate you specify cannot be earlier than the StartDate.');
  }
  const description = optionalString(body, 'Description', 'description', 0, 512);
  const kmsKeyArn = optionalString(body, 'KmsKeyArn', 'kmsKeyArn', 1, 2048);
  if (kmsKeyArn !== undefined && !KMS_ARN.test(kmsKeyArn))
    throw constraint(
      kmsKeyArn,
      'kmsKeyArn',
      `Member must satisfy regular expression pattern: ${KMS_ARN.source}`,
    );
  const definition: ScheduleDefinition = {
    Name: name,
    GroupName: groupName,
    ScheduleExpression: expression,
    ...(timezone !== undefined && { ScheduleExpressionTimezone: timezone }),
    ...(startDate !== undefined && { StartDate: startDate }),
    ...(endDate !== undefined && { EndDate: endDate }),
    ...(description !== undefined && { Description: description }),
    State: oneOf(body?.State, 'state', ['ENABLED', 'DISABLED'] as const, 'ENABLED'),
    ...(kmsKeyArn !== undefined && { KmsKeyArn: kmsKeyArn }),
    FlexibleTimeWindow: { Mode: mode, ...(maxWindow !== undefined && { MaximumWindowInMinutes: maxWindow }) },
    ActionAfterCompletion: oneOf(
      body?.ActionAfterCompletion,
      'actionAfterCompletion',
      ['NONE', 'DELETE'] as const,
      'NONE',
    ),
    Target: checkTarget(body?.Target),
  };
  return { definition, timing };
}
