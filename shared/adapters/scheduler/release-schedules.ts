import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { atExpressionOf, releaseScheduleName } from '../../domain/release-schedule';

export interface ReleaseSchedulesConfig {
  groupName: string;
  /** The releaser function the schedule invokes. */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke it (and to dead-letter). */
  roleArn: string;
  /** Where invocations that failed every retry go. */
  deadLetterArn: string;
}

/** The input a release schedule hands the releaser. */
export interface ReleaseTrigger {
  itemId: string;
  releaseAt: string;
}

/**
 * One-time schedules (`at(...)`, flexible window OFF, deleted after completion), one per held
 * item, kept by name: `put` creates or moves it, `remove` deletes it (absent is fine).
 */
export class ReleaseSchedules {
  constructor(
    private readonly client: SchedulerClient,
    private readonly config: ReleaseSchedulesConfig,
    private readonly clock: () => number = Date.now,
  ) {}

  async put(itemId: string, releaseAt: string): Promise<void> {
    const trigger: ReleaseTrigger = { itemId, releaseAt };
    const input: CreateScheduleCommandInput = {
      Name: releaseScheduleName(itemId),
      GroupName: this.config.groupName,
      Description: `Releases ${itemId} at its embargo time ${releaseAt}`,
      ScheduleExpression: atExpressionOf(releaseAt, this.clock()),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: this.config.targetArn,
        RoleArn: this.config.roleArn,
        Input: JSON.stringify(trigger),
        // The sweeper releases anything overdue every minute; retries only shorten that.
        RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: this.config.deadLetterArn },
      },
    };
    // Create, else move the existing one; a schedule that fired and deleted itself in between is created anew.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new CreateScheduleCommand(input));
        return;
      } catch (error) {
        if (!(error instanceof ConflictException)) throw error;
      }
      try {
        await this.client.send(new UpdateScheduleCommand(input));
        return;
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException) || attempt >= 3) throw error;
      }
    }
  }

  async remove(itemId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteScheduleCommand({ Name: releaseScheduleName(itemId), GroupName: this.config.groupName }),
      );
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}
