/**
 * The IAM checks the local EventBridge, SQS and Scheduler endpoints run on each call, after parsing it
 * and before acting on it. Each returns undefined (go on) or the refusal in the service's own terms;
 * the servers word it in their protocol (see their `authorize` options).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { IamAuthority } from './authority';
import { evaluate, withoutConditionKeys } from './policy';
import {
  eventBridgeRequests,
  putEventsEntryRequest,
  type SchedulerCall,
  schedulerRequests,
  sqsRequests,
} from './services';

interface Scope {
  region: string;
  accountId: string;
}

export interface CallerInfo {
  headers: IncomingHttpHeaders;
  url?: string;
}

/** A refused call (AccessDeniedException), or PutEvents entries refused one by one. */
export type EventBridgeVerdict =
  | { denied: string }
  | { entryErrors: Array<{ ErrorCode: string; ErrorMessage: string } | undefined> };

export type EventBridgeAuthorizer = (
  caller: CallerInfo,
  operation: string,
  input: Record<string, unknown>,
) => EventBridgeVerdict | undefined;

const EVENT_KEYS = ['events:source', 'events:detail-type'];

export function eventBridgeAuthorizer(authority: IamAuthority, scope: Scope): EventBridgeAuthorizer {
  return (caller, operation, input) => {
    const principal = authority.principalOf(caller.headers, caller.url);
    if (!principal || !authority.enabled) return undefined;
    if (operation !== 'PutEvents') {
      const denial = authority.authorize(principal, eventBridgeRequests(operation, input, scope));
      return denial ? { denied: denial.message } : undefined;
    }
    const entries = Array.isArray(input.Entries) ? (input.Entries as Array<Record<string, unknown>>) : [];
    const statements = principal.policies.statements;
    const anyEvent = withoutConditionKeys(statements, EVENT_KEYS);
    const anyDetailType = withoutConditionKeys(statements, ['events:detail-type']);
    let refused = false;
    const entryErrors = entries.map((entry) => {
      const request = putEventsEntryRequest(entry, scope);
      if (evaluate(statements, request).effect === 'allow') return undefined;
      refused = true;
      // Not even some event may go to this bus: the whole call is refused, as on AWS.
      if (evaluate(anyEvent, request).effect !== 'allow') return 'bus' as const;
      const bySource = evaluate(anyDetailType, request).effect === 'allow';
      authority.logDenial(
        principal,
        request,
        `not allowed for ${bySource ? `detail-type ${String(entry.DetailType)}` : `source ${String(entry.Source)}`}`,
      );
      return bySource
        ? {
            ErrorCode: 'NotAuthorizedForDetailTypeException',
            ErrorMessage: 'Not authorized for the detail type.',
          }
        : { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    });
    if (!refused) return undefined;
    const busIndex = entryErrors.indexOf('bus');
    if (busIndex >= 0) {
      const denial = authority.authorize(principal, [
        putEventsEntryRequest({ ...entries[busIndex], Source: undefined, DetailType: undefined }, scope),
      ]);
      return { denied: denial?.message ?? 'Access denied.' };
    }
    return { entryErrors: entryErrors as Array<{ ErrorCode: string; ErrorMessage: string } | undefined> };
  };
}

export type SqsAuthorizer = (
  caller: CallerInfo,
  operation: string,
  input: Record<string, unknown>,
) => string | undefined;

export function sqsAuthorizer(authority: IamAuthority, scope: Scope): SqsAuthorizer {
  return (caller, operation, input) =>
    authority.authorize(
      authority.principalOf(caller.headers, caller.url),
      sqsRequests(operation, input, scope),
    )?.message;
}

export type SchedulerAuthorizer = (caller: CallerInfo, call: SchedulerCall) => string | undefined;

export function schedulerAuthorizer(authority: IamAuthority, scope: Scope): SchedulerAuthorizer {
  return (caller, call) =>
    authority.authorize(authority.principalOf(caller.headers, caller.url), schedulerRequests(call, scope))
      ?.message;
}
