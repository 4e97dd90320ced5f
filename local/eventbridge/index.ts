export { LocalEventBridge } from './bus';
export type { CloudFormationEventsResource, LocalEventBridgeDefinitions } from './cloudformation';
export { fromCloudFormation } from './cloudformation';
export type {
  DeadLetterSink,
  DeliveryOutcome,
  DeliveryRecord,
  EventEnvelope,
  EventRecord,
  LocalArchiveDefinition,
  LocalBusDefinition,
  LocalEventBridgeOptions,
  LocalRuleDefinition,
  LocalTargetDefinition,
  TargetInvoker,
} from './model';
export type { CompiledPattern } from './pattern';
export { InvalidEventPatternError, matches, parsePattern } from './pattern';
export { putEventsEntrySize } from './rules';
export { nextCronTime, nextFireTime, parseCron, parseSchedule } from './schedule';
