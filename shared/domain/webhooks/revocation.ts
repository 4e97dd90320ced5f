import type { SubscriptionStore } from './ports';

/** Why a revoked partner's subscriptions were disabled (shown on the subscription). */
export const PARTNER_REVOKED_REASON = 'The partner was revoked.';
export const PARTNER_REVOKED = 'partner-revoked';

/**
 * Disables every active subscription of a partner (its match rows go with it, so the fan-out stops
 * finding them at once). Idempotent: re-running after a partial failure finishes the job.
 */
export async function disablePartnerSubscriptions(
  subscriptions: Pick<SubscriptionStore, 'listSubscriptions' | 'disableSubscription'>,
  partnerId: string,
  at: string,
): Promise<{ disabled: number }> {
  let disabled = 0;
  let cursor: string | undefined;
  do {
    const page = await subscriptions.listSubscriptions(partnerId, { limit: 100, ...(cursor && { cursor }) });
    for (const subscription of page.items) {
      if (subscription.status !== 'active') continue;
      await subscriptions.disableSubscription(subscription, PARTNER_REVOKED_REASON, at);
      disabled++;
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  return { disabled };
}
