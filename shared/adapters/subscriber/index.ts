import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
// Types only: the contracts' zod source never reaches a Lambda bundle (see docs/events.md).
import type { DetailByType, DetailType } from '../../contracts/events/index';
import {
  type DetailIssue,
  describeIssues,
  isDetailType,
  validateEventDetail,
} from '../../contracts/events/validate';
import { injectLambdaContext, Logger } from '../logger';
import type { DedupeStore } from './dedupe-store';

export type { DedupeClaim, DedupeStore, DynamoDedupeStoreOptions } from './dedupe-store';
export { DedupeInProgressError, DynamoDedupeStore } from './dedupe-store';

/** What a subscriber's `handle` gets besides the detail. */
export interface SubscriberContext<T extends DetailType = DetailType> {
  detailType: T;
  /** `detail.eventId`: stable across redeliveries (unlike the envelope id). */
  eventId: string;
  /** The EventBridge envelope id and time, for logs and tracing. */
  envelopeId: string;
  time: string;
  /** Powertools logger with `subscriber`, `detailType`, `eventId` and `itemId` appended. */
  logger: Logger;
  lambdaContext: Context;
}

export interface SubscriberDefinition<T extends DetailType> {
  /** The detail-type(s) the subscriber's rule delivers; anything else is rejected as invalid. */
  detailType: T | readonly T[];
  /** Names the subscriber in logs and in dedupe keys. */
  name: string;
  handle: (detail: DetailByType[T], ctx: SubscriberContext<T>) => Promise<void>;
  /** When given, an event whose `detail.eventId` was already handled successfully is skipped. */
  dedupe?: DedupeStore;
  logger?: Logger;
}

/**
 * The event does not match the contract of its detail-type (or is of a type not subscribed to).
 * `issues` lists `{ pointer, message }` with JSON pointers into the event (e.g. `/detail/version`).
 */
export class InvalidEventError extends Error {
  constructor(
    message: string,
    readonly issues: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InvalidEventError';
  }
}

export type SubscriberEvent = EventBridgeEvent<string, unknown>;
export type SubscriberHandler = middy.MiddyfiedHandler<SubscriberEvent, void, Error, Context>;

/** The envelope members the subscriber relies on; EventBridge always sets them. */
function envelopeIssuesOf(event: unknown): DetailIssue[] {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return [{ pointer: '', message: 'must be an EventBridge event object' }];
  }
  const envelope = event as Record<string, unknown>;
  const issues: DetailIssue[] = [];
  for (const member of ['id', 'time'] as const) {
    if (typeof envelope[member] !== 'string')
      issues.push({ pointer: `/${member}`, message: 'must be string' });
  }
  const { detail } = envelope;
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    issues.push({ pointer: '/detail', message: 'must be object' });
  }
  return issues;
}

/**
 * A Lambda handler for an EventBridge rule target, typed by the event contract:
 *
 * - validates the detail with the generated validator of its contract (zod-derived JSON Schema,
 *   compiled ahead of time: no zod at runtime); an invalid event is logged and thrown as
 *   `InvalidEventError`, with JSON pointers into the event, so it ends in the target's DLQ;
 * - optionally deduplicates on `detail.eventId` (claim, handle, complete; a failure releases the claim);
 * - logs with Powertools, every line carrying subscriber, detailType, eventId and itemId;
 * - rethrows every error: the rule target's retry policy and DLQ take over, nothing is dropped.
 */
export function defineSubscriber<T extends DetailType>(
  definition: SubscriberDefinition<T>,
): SubscriberHandler {
  const detailTypes: readonly T[] = Array.isArray(definition.detailType)
    ? (definition.detailType as readonly T[])
    : [definition.detailType as T];
  for (const detailType of detailTypes) {
    if (!isDetailType(detailType)) throw new Error(`No event contract for detail-type ${detailType}`);
  }
  const handled = new Set<string>(detailTypes);
  const logger = definition.logger ?? new Logger({ serviceName: definition.name });

  const handle = async (event: SubscriberEvent, lambdaContext: Context): Promise<void> => {
    logger.appendKeys({ subscriber: definition.name, detailType: event?.['detail-type'] });
    const detailType = event?.['detail-type'] as T;
    if (!handled.has(detailType)) {
      const error = new InvalidEventError(
        `Subscriber ${definition.name} does not handle detail-type ${String(detailType)}`,
        [{ pointer: '/detail-type', message: `must be one of ${[...handled].join(', ')}` }],
      );
      logger.error('Invalid event', { envelopeId: event?.id, issues: error.issues, error });
      throw error;
    }

    const envelopeIssues = envelopeIssuesOf(event);
    const validation =
      envelopeIssues.length === 0 ? validateEventDetail(detailType, event.detail) : undefined;
    if (validation === undefined || !validation.valid) {
      // Pointers into the whole event, so the message reads the same as the DLQ'd event.
      const issues =
        validation === undefined
          ? envelopeIssues
          : validation.issues.map((issue) => ({ ...issue, pointer: `/detail${issue.pointer}` }));
      const error = new InvalidEventError(`Invalid ${detailType} event: ${describeIssues(issues)}`, issues);
      logger.error('Invalid event', { envelopeId: event?.id, issues });
      throw error;
    }
    const detail = validation.detail as DetailByType[T] & { eventId: string; itemId: string };
    logger.appendKeys({ eventId: detail.eventId, itemId: detail.itemId });
    const ctx: SubscriberContext<T> = {
      detailType,
      eventId: detail.eventId,
      envelopeId: event.id,
      time: event.time,
      logger,
      lambdaContext,
    };

    const dedupeKey = `${definition.name}#${detail.eventId}`;
    const claim = definition.dedupe ? await definition.dedupe.claim(dedupeKey) : undefined;
    if (claim?.status === 'duplicate') {
      logger.info('Duplicate event skipped');
      return;
    }
    try {
      await definition.handle(detail, ctx);
    } catch (error) {
      logger.error('Event handling failed; rethrowing for the target retry policy and DLQ', {
        error: error as Error,
      });
      if (claim?.status === 'claimed') {
        await definition.dedupe!.release(dedupeKey, claim.token).catch((releaseError: unknown) => {
          logger.warn('Could not release the dedupe claim; it expires with its lease', {
            error: releaseError as Error,
          });
        });
      }
      throw error;
    }
    if (claim?.status === 'claimed') await definition.dedupe!.complete(dedupeKey, claim.token);
  };

  return middy<SubscriberEvent, void, Error, Context>().use(injectLambdaContext(logger)).handler(handle);
}
