/**
 * Stands in for `@aws-sdk/endpoint-cache` in Lambda bundles only (an esbuild alias set by
 * infra/constructs, like lambda-credentials.ts). Every DynamoDB client builds an EndpointCache for
 * endpoint discovery, which DynamoDB never requires and our clients never enable, yet the real one
 * brings `mnemonist`'s LRU cache and `obliterator` (~7 KB of every bundle). Same interface and
 * semantics: entries expire, `delete` empties a key, and the least recently used key goes first
 * once `capacity` is reached (a Map keeps insertion order; a read re-inserts).
 */
export interface EndpointWithExpiry {
  Address: string;
  Expires: number;
}

export class EndpointCache {
  private readonly cache = new Map<string, EndpointWithExpiry[]>();

  constructor(private readonly capacity: number) {}

  getEndpoint(key: string): string | undefined {
    const endpoints = this.get(key);
    if (!endpoints || endpoints.length === 0) return undefined;
    return endpoints[Math.floor(Math.random() * endpoints.length)]?.Address;
  }

  get(key: string): EndpointWithExpiry[] | undefined {
    if (!this.has(key)) return undefined;
    const value = this.cache.get(key) ?? [];
    this.touch(key, value);
    const now = Date.now();
    const live = value.filter((endpoint) => now < endpoint.Expires);
    if (live.length === 0) {
      this.delete(key);
      return undefined;
    }
    return live;
  }

  set(key: string, endpoints: { Address: string; CachePeriodInMinutes: number }[]): void {
    const now = Date.now();
    this.touch(
      key,
      endpoints.map(({ Address, CachePeriodInMinutes }) => ({
        Address,
        Expires: now + CachePeriodInMinutes * 60_000,
      })),
    );
  }

  delete(key: string): void {
    this.touch(key, []);
  }

  /** Like the original: known and non-empty; does not count as a use. */
  has(key: string): boolean {
    return (this.cache.get(key)?.length ?? 0) > 0;
  }

  clear(): void {
    this.cache.clear();
  }

  private touch(key: string, value: EndpointWithExpiry[]): void {
    this.cache.delete(key);
    this.cache.set(key, value);
    if (this.cache.size > this.capacity) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
  }
}
