import type { HostVerifier } from '../../domain/webhooks/ports';
import { blockedAddressReason, type UrlPolicy } from '../../domain/webhooks/url-policy';

type LookupAll = (hostname: string) => Promise<{ address: string }[]>;

// Loaded on the first registration, not at every subscriptions-api cold start (most calls never resolve a host).
const lookupAll: LookupAll = async (hostname) =>
  (await import('node:dns/promises')).lookup(hostname, { all: true, verbatim: true });

/**
 * Registration-time DNS check: every address the host resolves to must be allowed (one private
 * answer is enough to refuse). IP literals were checked by the URL policy and need no lookup.
 */
export class DnsHostVerifier implements HostVerifier {
  constructor(
    private readonly policy: Pick<UrlPolicy, 'allowLoopback'>,
    private readonly resolve: LookupAll = lookupAll,
  ) {}

  async refusal(url: URL): Promise<string | undefined> {
    const hostname = url.hostname;
    if (hostname.startsWith('[') || /^[0-9.]+$/.test(hostname)) return undefined;
    let addresses: { address: string }[];
    try {
      addresses = await this.resolve(hostname);
    } catch {
      return `the host ${hostname} does not resolve`;
    }
    if (addresses.length === 0) return `the host ${hostname} does not resolve`;
    for (const { address } of addresses) {
      const reason = blockedAddressReason(address, this.policy);
      if (reason !== undefined) return `the host ${hostname} resolves to ${address}, ${reason}`;
    }
    return undefined;
  }
}
