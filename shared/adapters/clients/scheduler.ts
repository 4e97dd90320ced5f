import { SchedulerClient } from '@aws-sdk/client-scheduler';

/** The one EventBridge Scheduler client of a Lambda execution environment (endpoint: `AWS_ENDPOINT_URL_SCHEDULER` when set). */
export const scheduler = new SchedulerClient({});
