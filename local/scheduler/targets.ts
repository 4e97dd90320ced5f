/** How the local cloud reaches each kind of schedule target (wired in `local/cloud.ts`). */
import type { LocalEventBridge } from '../eventbridge';
import type { LocalLambda } from '../lambda';
import type { LocalSqs } from '../sqs';
import type { ScheduleTargetInvoker } from './delivery';

/**
 * Scheduler's templated targets: Lambda, invoked asynchronously as on AWS (the function's own async
 * retries and on-failure destination handle its errors; the schedule's retry policy and dead-letter
 * queue only see an invocation Lambda refuses, e.g. a missing function), SQS `SendMessage` and
 * EventBridge `PutEvents` (the schedule's ARN as the event's resource).
 */
export function scheduleTargetInvoker(
  functionByArn: (arn: string) => Pick<LocalLambda, 'invoke'>,
  sqs: LocalSqs,
  eventBridge: LocalEventBridge,
): ScheduleTargetInvoker {
  return async (target, payload, context) => {
    if (target.kind === 'sqs') {
      await sqs.send(target.Arn, payload);
      return;
    }
    if (target.kind === 'eventbridge') {
      const { Entries } = eventBridge.putEvents([
        {
          EventBusName: target.Arn,
          Source: target.EventBridgeParameters?.Source,
          DetailType: target.EventBridgeParameters?.DetailType,
          Detail: payload,
          Resources: [context.scheduleArn],
        },
      ]);
      const entry = Entries[0];
      if (entry && 'ErrorCode' in entry)
        throw Object.assign(new Error(entry.ErrorMessage), { code: entry.ErrorCode });
      return;
    }
    let fn: Pick<LocalLambda, 'invoke'>;
    try {
      fn = functionByArn(target.Arn);
    } catch (error) {
      throw Object.assign(error as Error, { code: 'ResourceNotFoundException' });
    }
    // Handed to the function's async queue: a burst of due schedules never waits for the function.
    const result = await fn.invoke(JSON.parse(payload), { invocationType: 'Event' });
    if (!result.ok) throw Object.assign(new Error(result.errorMessage), { code: result.errorType });
  };
}
