import { describe, expect, it } from 'vitest';
import { SCHEDULER_SUPPORT, schedulerResourceProviders, templateSchedules } from '#local/scheduler/index.ts';
import { type CfnTemplate, resolveTemplate, unsupportedReport } from '#local/template/index.ts';

const template: CfnTemplate = {
  Resources: {
    Group: {
      Type: 'AWS::Scheduler::ScheduleGroup',
      Properties: { Name: 'embargo', Tags: [{ Key: 'app', Value: 'dw' }] },
    },
    Sweeper: {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        GroupName: { Ref: 'Group' },
        ScheduleExpression: 'rate(1 minute)',
        ScheduleExpressionTimezone: 'Europe/London',
        StartDate: '2030-01-01T00:00:00Z',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: 'arn:aws:lambda:us-east-1:000000000000:function:release',
          RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
          RetryPolicy: { MaximumRetryAttempts: 3 },
          EcsParameters: { TaskDefinitionArn: 'arn' },
        },
      },
    },
  },
  Outputs: {
    SweeperArn: { Value: { 'Fn::GetAtt': ['Sweeper', 'Arn'] } },
    GroupArn: { Value: { 'Fn::GetAtt': ['Group', 'Arn'] } },
  },
};

describe('AWS::Scheduler::* from the template', () => {
  const stack = resolveTemplate(template, {
    stackName: 'Demo',
    region: 'us-east-1',
    accountId: '000000000000',
    providers: schedulerResourceProviders(),
  });

  it('names and ARNs: a generated schedule name, the schedule ARN under its group', () => {
    const name = stack.resources.Sweeper!.physicalId;
    expect(name).toMatch(/^Demo-Sweeper-[A-Z2-7]{12}$/);
    expect(stack.outputs.SweeperArn!.value).toBe(
      `arn:aws:scheduler:us-east-1:000000000000:schedule/embargo/${name}`,
    );
    expect(stack.outputs.GroupArn!.value).toBe(
      'arn:aws:scheduler:us-east-1:000000000000:schedule-group/embargo',
    );
  });

  it('turns the resources into CreateScheduleGroup/CreateSchedule requests (dates in epoch seconds)', () => {
    const { groups, schedules } = templateSchedules(Object.values(stack.resources));
    expect(groups).toEqual([{ name: 'embargo', tags: [{ Key: 'app', Value: 'dw' }] }]);
    expect(schedules).toHaveLength(1);
    expect(schedules[0]!.name).toBe(stack.resources.Sweeper!.physicalId);
    expect(schedules[0]!.request).toMatchObject({
      GroupName: 'embargo',
      ScheduleExpression: 'rate(1 minute)',
      StartDate: Date.parse('2030-01-01T00:00:00Z') / 1000,
    });
  });

  it('reports the properties it does not run, and nothing else', () => {
    const warnings = unsupportedReport([stack], SCHEDULER_SUPPORT);
    expect(warnings.map((w) => w.property)).toEqual(['Target.EcsParameters']);
  });
});
