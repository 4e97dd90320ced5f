import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { isId, newId } from '../ids';
import { isDeliveryId } from './delivery-id';
import type { Delivery, SigningSecret, Subscription } from './model';
import {
  type DeliveryQueue,
  type DeliveryStore,
  type HostVerifier,
  InvalidCursorError,
  type Page,
  type SubscriptionStore,
} from './ports';
import { requeueDelivery } from './recovery';
import { parseSubscriptionRequest, type Registrant, SUBSCRIPTION_LIMITS } from './registration';
import { activeSecrets, newSigningSecret } from './secrets';
import type { UrlPolicy } from './url-policy';

export interface SubscriptionsServiceOptions {
  subscriptions: Omit<
    SubscriptionStore,
    'disableSubscription' | 'enableSubscription' | 'markFailing' | 'clearFailing' | 'findMatches'
  >;
  deliveries: Pick<DeliveryStore, 'getDelivery' | 'listDeliveries' | 'restartDelivery' | 'markEnqueued'>;
  queue: DeliveryQueue;
  hosts: HostVerifier;
  policy: UrlPolicy;
  /** How long a replaced secret keeps signing after a rotation. */
  rotationWindowSeconds: number;
  now?: () => Date;
}

const MAX_PAGE = 100;
/** Current secret plus at most two still inside their rotation window. */
const MAX_SECRETS = 3;

/**
 * The subscriptions API. A partner only ever sees its own subscriptions: another partner's id is
 * answered exactly like an unknown one (404), on every route.
 */
export class SubscriptionsService {
  private readonly now: () => Date;

  constructor(private readonly options: SubscriptionsServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async create(
    registrant: Registrant,
    body: unknown,
  ): Promise<{ subscription: Subscription; secret: string }> {
    const request = parseSubscriptionRequest(body, registrant, this.options.policy);
    const url = new URL(request.url);
    const refusal = await this.options.hosts.refusal(url);
    if (refusal !== undefined) {
      throw new ValidationError('The subscription is not valid', {
        errors: [{ pointer: '/url', message: `refused: ${refusal}` }],
      });
    }
    const at = this.now();
    const createdAt = at.toISOString();
    const subscription: Subscription = {
      subscriptionId: newId('sub', at.getTime()),
      partnerId: registrant.partnerId,
      url: request.url,
      eventTypes: request.eventTypes,
      filter: request.filter,
      ...(request.description !== undefined && { description: request.description }),
      ...(request.maxDeliveriesPerSecond !== undefined && {
        maxDeliveriesPerSecond: request.maxDeliveriesPerSecond,
      }),
      status: 'active',
      createdAt,
      updatedAt: createdAt,
    };
    const secret = newSigningSecret();
    const created = await this.options.subscriptions.createSubscription(
      subscription,
      { secret, createdAt },
      SUBSCRIPTION_LIMITS.perPartner,
    );
    if (!created) {
      throw new ConflictError(
        `A partner may have at most ${SUBSCRIPTION_LIMITS.perPartner} subscriptions; delete one first.`,
      );
    }
    return { subscription, secret };
  }

  async list(partnerId: string, query: { limit?: string; cursor?: string }): Promise<Page<Subscription>> {
    const limit = parseLimit(query.limit);
    return withCursor(() =>
      this.options.subscriptions.listSubscriptions(partnerId, { limit, cursor: query.cursor }),
    );
  }

  async get(partnerId: string, subscriptionId: string): Promise<Subscription> {
    const subscription = isId(subscriptionId, 'sub')
      ? await this.options.subscriptions.getSubscription(subscriptionId)
      : undefined;
    if (subscription === undefined || subscription.partnerId !== partnerId) {
      throw new NotFoundError('The subscription does not exist.');
    }
    return subscription;
  }

  async delete(partnerId: string, subscriptionId: string): Promise<void> {
    const subscription = await this.get(partnerId, subscriptionId);
    await this.options.subscriptions.deleteSubscription(subscription);
  }

  /** A new current secret, shown once; the replaced one keeps signing for the rotation window. */
  async rotateSecret(
    partnerId: string,
    subscriptionId: string,
  ): Promise<{ secret: string; previousSecretRetiresAt: string }> {
    await this.get(partnerId, subscriptionId);
    const loaded = await this.options.subscriptions.getSubscriptionWithSecrets(subscriptionId);
    if (loaded === undefined) throw new NotFoundError('The subscription does not exist.');
    const at = this.now();
    const retiresAt = new Date(at.getTime() + this.options.rotationWindowSeconds * 1000).toISOString();
    const kept: SigningSecret[] = activeSecrets(loaded.secrets, at).map((s) =>
      s.retiresAt === undefined ? { ...s, retiresAt } : s,
    );
    const secret = newSigningSecret();
    const next = [{ secret, createdAt: at.toISOString() }, ...kept].slice(0, MAX_SECRETS);
    if (!(await this.options.subscriptions.replaceSecrets(subscriptionId, loaded.secrets, next))) {
      throw new ConflictError('The secret was rotated concurrently; retry.');
    }
    return { secret, previousSecretRetiresAt: retiresAt };
  }

  async listDeliveries(
    partnerId: string,
    subscriptionId: string,
    query: { limit?: string; cursor?: string },
  ): Promise<Page<Delivery>> {
    await this.get(partnerId, subscriptionId);
    const limit = parseLimit(query.limit);
    return withCursor(() =>
      this.options.deliveries.listDeliveries(subscriptionId, { limit, cursor: query.cursor }),
    );
  }

  /** Queues a fresh attempt sequence with the same `webhook-id`. */
  async redeliver(partnerId: string, subscriptionId: string, deliveryId: string): Promise<Delivery> {
    const subscription = await this.get(partnerId, subscriptionId);
    const delivery = isDeliveryId(deliveryId)
      ? await this.options.deliveries.getDelivery(deliveryId)
      : undefined;
    if (delivery === undefined || delivery.subscriptionId !== subscription.subscriptionId) {
      throw new NotFoundError('The delivery does not exist.');
    }
    if (subscription.status !== 'active') {
      throw new ConflictError(
        `The subscription is disabled (${subscription.disabledReason ?? 'no reason'}).`,
      );
    }
    const at = this.now().toISOString();
    const sequence = await requeueDelivery(this.options.deliveries, this.options.queue, deliveryId, at);
    return {
      ...delivery,
      status: 'pending',
      sequence,
      nextAttempt: 1,
      nextAttemptAt: at,
      enqueuedAttempt: 1,
    };
  }
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return 25;
  if (!/^[1-9][0-9]{0,2}$/.test(value) || Number(value) > MAX_PAGE) {
    throw new ValidationError('The query is not valid', {
      errors: [{ pointer: '/limit', message: `a whole number from 1 to ${MAX_PAGE}` }],
    });
  }
  return Number(value);
}

async function withCursor<T>(list: () => Promise<T>): Promise<T> {
  try {
    return await list();
  } catch (error) {
    if (!(error instanceof InvalidCursorError)) throw error;
    throw new ValidationError('The query is not valid', {
      errors: [{ pointer: '/cursor', message: 'not a cursor returned by this listing' }],
    });
  }
}
