/**
 * Issuing API keys: a new partner with its first key, or one more key for an active partner. The raw
 * key is returned once to whoever asked; the store keeps its hash.
 */
import { generateApiKey } from '../../domain/api-keys';
import { newId } from '../../domain/ids';
import type { PartnerStore } from '../../domain/ports';
import { type DynamoPartnerStore, PartnerExistsError, PartnerNotActiveError } from './partner-store';

/**
 * Scopes of a new partner key unless the operator names others. Never `events:all`: receiving
 * other partners' items is an explicit operator decision (docs/webhooks.md).
 */
export const DEFAULT_PARTNER_SCOPES: readonly string[] = ['items:write', 'items:read', 'webhooks:manage'];

export interface CreatedPartner {
  partnerId: string;
  /** Shown once to whoever created the partner; only its hash is stored. */
  apiKey: string;
  keyPrefix: string;
}

/** Creates an active partner with one fresh API key (the operator CLI and the local demo partner). */
export async function createPartnerWithKey(
  store: PartnerStore,
  name: string,
  scopes: readonly string[] = DEFAULT_PARTNER_SCOPES,
): Promise<CreatedPartner> {
  const partnerId = newId('ptn');
  const createdAt = new Date().toISOString();
  // A fresh key can only collide on its 8 random prefix characters; draw again then.
  for (let attempt = 1; ; attempt++) {
    const { apiKey, keyHash, keyPrefix } = generateApiKey();
    try {
      await store.createPartner(
        { partnerId, name, status: 'active', createdAt },
        {
          keyHash,
          keyPrefix,
          partnerId,
          partnerName: name,
          scopes: [...scopes],
          status: 'active',
          createdAt,
        },
      );
      return { partnerId, apiKey, keyPrefix };
    } catch (error) {
      if (!(error instanceof PartnerExistsError) || attempt >= 3) throw error;
    }
  }
}

/**
 * Adds a fresh key to an active partner (rotation: add the new key, move clients over, then
 * `revoke-key` the old one). Scopes default to those of the partner's newest active key.
 */
export async function addKeyToPartner(
  store: DynamoPartnerStore,
  partnerId: string,
  scopes?: readonly string[],
): Promise<CreatedPartner> {
  const keys = await store.listKeys(partnerId);
  const newest = keys.filter((k) => k.status === 'active').at(-1) ?? keys.at(-1);
  if (newest === undefined) throw new PartnerNotActiveError(partnerId);
  const createdAt = new Date().toISOString();
  for (let attempt = 1; ; attempt++) {
    const { apiKey, keyHash, keyPrefix } = generateApiKey();
    try {
      await store.addKey({
        keyHash,
        keyPrefix,
        partnerId,
        partnerName: newest.partnerName,
        scopes: [...(scopes ?? newest.scopes)],
        status: 'active',
        createdAt,
      });
      return { partnerId, apiKey, keyPrefix };
    } catch (error) {
      if (!(error instanceof PartnerExistsError) || attempt >= 3) throw error;
    }
  }
}
