export type {
  InvocationOutcome,
  ScheduleDeadLetterSink,
  ScheduleTargetInvoker,
} from './delivery';
export { invocationPayload } from './delivery';
export type { ScheduleTiming, ScheduleWindow } from './expression';
export { nextInvocation, parseScheduleExpression } from './expression';
export type { ScheduleDefinition, TargetInput, TargetKind } from './model';
export { SchedulerApiError, targetKind } from './model';
export type { InvocationRecord, LocalSchedulerOptions, TemplateSchedules } from './scheduler';
export { LocalScheduler } from './scheduler';
export { scheduleTargetInvoker } from './targets';
export { SCHEDULER_SUPPORT, schedulerResourceProviders, templateSchedules } from './template';
