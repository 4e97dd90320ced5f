import type { ApiKeyRecord } from '../../domain/ports';

/** How long the authorizer remembers that a key hash is unknown or revoked. */
export const NEGATIVE_KEY_TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

/**
 * Negative caching for the authorizer: a key hash found unknown (or revoked) is not looked up again
 * for a minute, so a client retrying a bad key costs no DynamoDB read. Active keys are not cached
 * here: API Gateway caches the authorizer's answer per Authorization header already. Revocation is
 * terminal and a new key is a new hash, so a negative answer never hides a valid key.
 */
export class CachedKeyLookup {
  private readonly refused = new Map<string, number>();

  constructor(
    private readonly lookup: (keyHash: string) => Promise<ApiKeyRecord | undefined>,
    private readonly now: () => number = Date.now,
  ) {}

  async find(keyHash: string): Promise<{ record: ApiKeyRecord | undefined; cached: boolean }> {
    const until = this.refused.get(keyHash);
    if (until !== undefined && until > this.now()) return { record: undefined, cached: true };
    const record = await this.lookup(keyHash);
    if (record?.status !== 'active') {
      this.refused.delete(keyHash);
      // Oldest first out: Map keeps insertion order.
      if (this.refused.size >= MAX_ENTRIES) this.refused.delete(this.refused.keys().next().value as string);
      this.refused.set(keyHash, this.now() + NEGATIVE_KEY_TTL_MS);
    }
    return { record, cached: false };
  }
}
