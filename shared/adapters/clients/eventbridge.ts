import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

/** The one EventBridge client of a Lambda execution environment (endpoint: `AWS_ENDPOINT_URL_EVENTBRIDGE` when set). */
export const eventBridge = new EventBridgeClient({});
