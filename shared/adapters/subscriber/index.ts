import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { EventBridgeEnvelope } from '@aws-lambda-powertools/parser/envelopes/eventbridge';
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { type DetailByType, type DetailType, EVENT_CONTRACTS } from '../../contracts/events/index';
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

/** The event does not match the contract of its detail-type (or is of a type not subscribed to). */
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

function issuesOf(error: unknown): unknown {
  const cause = (error as { cause?: { issues?: unknown } } | undefined)?.cause;
  return cause?.issues ?? String(error);
}

/**
 * A Lambda handler for an EventBridge rule target, typed by the event contract:
 *
 * - validates the envelope and the detail with the contract's zod schema (Powertools parser,
 *   EventBridge envelope); an invalid event is logged and thrown, so it ends in the target's DLQ;
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
  const contracts = new Map(
    detailTypes.map((detailType) => {
      const contract = EVENT_CONTRACTS.find((c) => c.detailType === detailType);
      if (contract === undefined) throw new Error(`No event contract for detail-type ${detailType}`);
      return [detailType as string, contract] as const;
    }),
  );
  const logger = definition.logger ?? new Logger({ serviceName: definition.name });

  const handle = async (event: SubscriberEvent, lambdaContext: Context): Promise<void> => {
    logger.appendKeys({ subscriber: definition.name, detailType: event?.['detail-type'] });
    const contract = contracts.get(event?.['detail-type']);
    if (contract === undefined) {
      const error = new InvalidEventError(
        `Subscriber ${definition.name} does not handle detail-type ${String(event?.['detail-type'])}`,
        [{ path: ['detail-type'], expected: [...contracts.keys()] }],
      );
      logger.error('Invalid event', { envelopeId: event?.id, issues: error.issues, error });
      throw error;
    }

    const parsed = EventBridgeEnvelope.safeParse(event, contract.detail);
    if (!parsed.success) {
      const error = new InvalidEventError(`Invalid ${contract.detailType} event`, issuesOf(parsed.error), {
        cause: parsed.error,
      });
      logger.error('Invalid event', { envelopeId: event?.id, issues: error.issues });
      throw error;
    }
    const detail = parsed.data as DetailByType[T] & { eventId: string; itemId: string };
    logger.appendKeys({ eventId: detail.eventId, itemId: detail.itemId });
    const ctx: SubscriberContext<T> = {
      detailType: contract.detailType as T,
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

  return middy<SubscriberEvent, void, Error, Context>()
    .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
    .handler(handle);
}
