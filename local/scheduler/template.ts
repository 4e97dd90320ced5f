/**
 * `AWS::Scheduler::ScheduleGroup` and `AWS::Scheduler::Schedule` from a resolved template: their local
 * names and ARNs (`Ref`, `Fn::GetAtt`), the properties the local Scheduler honours, and the requests
 * that create them.
 */
import { generatedPhysicalName, type ResourceProviders } from '../template';
import type { TemplateSchedules } from './scheduler';

const SCHEDULE_PROPERTIES = [
  'Name',
  'GroupName',
  'Description',
  'ScheduleExpression',
  'ScheduleExpressionTimezone',
  'StartDate',
  'EndDate',
  'State',
  'FlexibleTimeWindow',
  // ActionAfterCompletion is API-only: CloudFormation's schema has no such property (tests/infra/aws-specs.test.ts).
  'Target.Arn',
  'Target.RoleArn',
  'Target.Input',
  'Target.RetryPolicy',
  'Target.DeadLetterConfig',
  'Target.EventBridgeParameters',
  'Target.SqsParameters',
  // Accepted: encryption at rest does not apply to a local file.
  'KmsKeyArn',
] as const;

/** What the local Scheduler honours of each type (for the start-up report). */
export const SCHEDULER_SUPPORT = {
  'AWS::Scheduler::ScheduleGroup': { supportedProperties: ['Name', 'Tags'] },
  'AWS::Scheduler::Schedule': { supportedProperties: SCHEDULE_PROPERTIES },
} as const;

const groupName = (value: unknown) => (typeof value === 'string' && value !== '' ? value : 'default');

/** Names and ARNs as Scheduler gives them: a schedule's ARN names its group. */
export function schedulerResourceProviders(): ResourceProviders {
  return {
    'AWS::Scheduler::ScheduleGroup': {
      physicalId: (r) => {
        const name = r.property('Name');
        return typeof name === 'string' && name !== ''
          ? name
          : generatedPhysicalName(r.stackName, r.logicalId);
      },
      getAtt: (r, attribute) =>
        attribute === 'Arn'
          ? `arn:aws:scheduler:${r.region}:${r.accountId}:schedule-group/${r.physicalId}`
          : undefined,
    },
    'AWS::Scheduler::Schedule': {
      getAtt: (r, attribute) =>
        attribute === 'Arn'
          ? `arn:aws:scheduler:${r.region}:${r.accountId}:schedule/${groupName(r.property('GroupName'))}/${r.physicalId}`
          : undefined,
    },
  };
}

interface TemplateResource {
  type: string;
  physicalId: string;
  properties: Record<string, unknown>;
}

/** Template dates are ISO 8601 text; the API takes epoch seconds. */
function epochSeconds(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms / 1000 : value;
}

/** The template's groups and schedules as CreateScheduleGroup/CreateSchedule requests. */
export function templateSchedules(resources: TemplateResource[]): TemplateSchedules {
  const groups = resources
    .filter((r) => r.type === 'AWS::Scheduler::ScheduleGroup')
    .map((r) => ({
      name: r.physicalId,
      tags: (r.properties.Tags as Array<{ Key: string; Value: string }>) ?? [],
    }));
  const schedules = resources
    .filter((r) => r.type === 'AWS::Scheduler::Schedule')
    .map((r) => {
      const { Name: _name, StartDate, EndDate, ...rest } = r.properties;
      const request: Record<string, unknown> = { ...rest };
      if (StartDate !== undefined) request.StartDate = epochSeconds(StartDate);
      if (EndDate !== undefined) request.EndDate = epochSeconds(EndDate);
      return { name: r.physicalId, request };
    });
  return { groups, schedules };
}
