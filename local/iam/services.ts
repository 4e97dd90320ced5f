/**
 * What the local EventBridge, SQS, Scheduler and Translate endpoints ask IAM for, per operation, and
 * how each service words a refusal. Actions and resource ARNs follow the Service Authorization
 * Reference; only the condition keys the project's policies use are supplied.
 */
import type { AuthorizationRequest } from './policy';

interface Scope {
  region: string;
  accountId: string;
}
type Input = Record<string, unknown>;

// --- EventBridge ------------------------------------------------------------------------------------------

export function eventBusArn(nameOrArn: unknown, scope: Scope): string {
  const value = typeof nameOrArn === 'string' && nameOrArn !== '' ? nameOrArn : 'default';
  return value.startsWith('arn:')
    ? value
    : `arn:aws:events:${scope.region}:${scope.accountId}:event-bus/${value}`;
}

/** Every operation except PutEvents: its own action, on the rule, archive, replay or bus it names. */
export function eventBridgeRequests(operation: string, input: Input, scope: Scope): AuthorizationRequest[] {
  const arn = (kind: string, name: unknown) =>
    `arn:aws:events:${scope.region}:${scope.accountId}:${kind}/${String(name)}`;
  let resource = '*';
  if (operation === 'DescribeRule' || operation === 'ListTargetsByRule') {
    const bus =
      typeof input.EventBusName === 'string' && input.EventBusName !== 'default'
        ? `${input.EventBusName.split('/').at(-1)}/`
        : '';
    resource = arn('rule', `${bus}${String(input.Name)}`);
  } else if (operation === 'DescribeArchive') resource = arn('archive', input.ArchiveName);
  else if (operation === 'StartReplay' || operation === 'DescribeReplay')
    resource = arn('replay', input.ReplayName);
  return [{ action: `events:${operation}`, resource }];
}

/**
 * PutEvents is authorized per entry, with the entry's `events:source` and `events:detail-type`: an
 * entry the role may not put fails alone (`NotAuthorizedForSourceException` /
 * `NotAuthorizedForDetailTypeException`), as on AWS; the call as a whole needs `events:PutEvents`
 * on each bus it names.
 */
export function putEventsEntryRequest(entry: Input, scope: Scope): AuthorizationRequest {
  return {
    action: 'events:PutEvents',
    resource: eventBusArn(entry.EventBusName, scope),
    context: {
      'events:source': typeof entry.Source === 'string' ? [entry.Source] : undefined,
      'events:detail-type': typeof entry.DetailType === 'string' ? [entry.DetailType] : undefined,
    },
  };
}

// --- SQS --------------------------------------------------------------------------------------------------

/** The batch operations are authorized as their single-message action. */
const SQS_ACTIONS: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

export function sqsQueueArnFromUrl(queueUrl: string, scope: Scope): string | undefined {
  const parts = queueUrl.replace(/\/+$/, '').split('/');
  const name = parts.at(-1);
  const account = parts.at(-2);
  if (!name) return undefined;
  return `arn:aws:sqs:${scope.region}:${/^\d{12}$/.test(account ?? '') ? account : scope.accountId}:${name}`;
}

export function sqsRequests(operation: string, input: Input, scope: Scope): AuthorizationRequest[] {
  const action = `sqs:${SQS_ACTIONS[operation] ?? operation}`;
  let resource = '*';
  if (typeof input.QueueUrl === 'string') resource = sqsQueueArnFromUrl(input.QueueUrl, scope) ?? '*';
  else if (operation === 'GetQueueUrl' && typeof input.QueueName === 'string')
    resource = `arn:aws:sqs:${scope.region}:${String(input.QueueOwnerAWSAccountId ?? scope.accountId)}:${input.QueueName}`;
  else if (typeof input.SourceArn === 'string') resource = input.SourceArn;
  return [{ action, resource }];
}

// --- Scheduler --------------------------------------------------------------------------------------------

export interface SchedulerCall {
  /** The route: `schedule`, `schedules`, `group`, `groups` or `tags`. */
  resource: string;
  method: string;
  name: string;
  query: URLSearchParams;
  body: Input;
}

const SCHEDULER_OPERATIONS: Record<string, Record<string, string>> = {
  schedule: { POST: 'CreateSchedule', GET: 'GetSchedule', PUT: 'UpdateSchedule', DELETE: 'DeleteSchedule' },
  schedules: { GET: 'ListSchedules' },
  group: { POST: 'CreateScheduleGroup', GET: 'GetScheduleGroup', DELETE: 'DeleteScheduleGroup' },
  groups: { GET: 'ListScheduleGroups' },
  tags: { GET: 'ListTagsForResource', POST: 'TagResource', DELETE: 'UntagResource' },
};

/**
 * Scheduler's action on the schedule or group ARN; creating or updating a schedule also passes its
 * target role to the service, so it needs `iam:PassRole` on that role (`iam:PassedToService`).
 */
export function schedulerRequests(call: SchedulerCall, scope: Scope): AuthorizationRequest[] {
  const operation = SCHEDULER_OPERATIONS[call.resource]?.[call.method];
  if (!operation) return [];
  const base = `arn:aws:scheduler:${scope.region}:${scope.accountId}`;
  let resource = '*';
  if (call.resource === 'schedule') {
    const group = String(call.body.GroupName ?? call.query.get('groupName') ?? 'default');
    resource = `${base}:schedule/${group}/${call.name}`;
  } else if (call.resource === 'group') resource = `${base}:schedule-group/${call.name}`;
  else if (call.resource === 'tags') resource = call.name;
  const requests: AuthorizationRequest[] = [{ action: `scheduler:${operation}`, resource }];
  const roleArn = (call.body.Target as Input | undefined)?.RoleArn;
  if ((operation === 'CreateSchedule' || operation === 'UpdateSchedule') && typeof roleArn === 'string') {
    requests.push({
      action: 'iam:PassRole',
      resource: roleArn,
      context: { 'iam:PassedToService': ['scheduler.amazonaws.com'] },
    });
  }
  return requests;
}

// --- Translate --------------------------------------------------------------------------------------------

/** `AWSShineFrontendService_20170701.TranslateText` → `translate:TranslateText` (no resource-level permissions). */
export function translateRequests(target: string): AuthorizationRequest[] {
  const operation = target.split('.')[1] ?? '';
  return [{ action: `translate:${operation}`, resource: '*' }];
}
