import { BlockList, isIP } from 'node:net';

/**
 * Which webhook URLs may be registered (SSRF protection, first line). Pure: the hostname's DNS
 * answers are checked by the adapter with `blockedAddressReason`, and the HTTP sender blocks
 * private addresses again at connect time (DNS may change after registration).
 */

export interface UrlPolicy {
  /** Production: only `https:` on port 443. */
  requireHttps: boolean;
  /** Local development only: receivers on 127.0.0.1, ::1 or localhost (no other private range). */
  allowLoopback: boolean;
}

export const MAX_URL_LENGTH = 2048;

/** The exact loopback addresses `allowLoopback` opens; the connect-time agent allows the same two. */
export const LOOPBACK_ADDRESSES = ['127.0.0.1', '::1'] as const;

export type UrlCheck =
  | { ok: true; url: URL; hostname: string; ipLiteral: boolean; loopbackName: boolean }
  | { ok: false; reason: string };

type Range = [network: string, prefix: number, family: 'ipv4' | 'ipv6'];

/**
 * Non-public ranges, each with the reason an address is refused (checked in this order): at registration
 * and again at connect time (http-sender.ts). It covers every range ipaddr.js 2.5 (which the former
 * connect-time filter, request-filtering-agent, used) classes as not unicast.
 */
const BLOCKED_RANGES: [reason: string, ranges: Range[]][] = [
  ['an IPv4-mapped IPv6 address', [['::ffff:0:0', 96, 'ipv6']]],
  [
    'a NAT64/6to4/Teredo address (embeds an IPv4 address)',
    [
      ['64:ff9b::', 96, 'ipv6'],
      ['64:ff9b:1::', 48, 'ipv6'],
      ['2002::', 16, 'ipv6'],
      ['2001::', 32, 'ipv6'],
    ],
  ],
  [
    'a loopback address',
    [
      ['127.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
    ],
  ],
  [
    'an unspecified or "this network" address',
    [
      ['0.0.0.0', 8, 'ipv4'],
      ['::', 128, 'ipv6'],
    ],
  ],
  [
    'a private address',
    [
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
    ],
  ],
  [
    'a link-local address (this includes the cloud metadata service 169.254.169.254)',
    [
      ['169.254.0.0', 16, 'ipv4'],
      ['fe80::', 10, 'ipv6'],
    ],
  ],
  ['a carrier-grade NAT address', [['100.64.0.0', 10, 'ipv4']]],
  ['a unique-local address', [['fc00::', 7, 'ipv6']]],
  [
    'a multicast address',
    [
      ['224.0.0.0', 4, 'ipv4'],
      ['ff00::', 8, 'ipv6'],
    ],
  ],
  [
    'a reserved address',
    [
      ['240.0.0.0', 4, 'ipv4'],
      ['192.0.0.0', 24, 'ipv4'],
      ['198.18.0.0', 15, 'ipv4'],
      ['100::', 64, 'ipv6'],
      ['::ffff:0:0:0', 96, 'ipv6'],
      ['fec0::', 10, 'ipv6'],
      ['5f00::', 16, 'ipv6'],
      // IETF protocol assignments (Teredo, benchmarking, AMT, ORCHID, ...): not receivers.
      ['2001::', 23, 'ipv6'],
    ],
  ],
  [
    'a special-purpose anycast address',
    [
      ['192.88.99.0', 24, 'ipv4'],
      ['192.31.196.0', 24, 'ipv4'],
      ['192.175.48.0', 24, 'ipv4'],
      ['192.52.193.0', 24, 'ipv4'],
      ['2620:4f:8000::', 48, 'ipv6'],
    ],
  ],
  [
    'a documentation address',
    [
      ['192.0.2.0', 24, 'ipv4'],
      ['198.51.100.0', 24, 'ipv4'],
      ['203.0.113.0', 24, 'ipv4'],
      ['2001:db8::', 32, 'ipv6'],
      ['3fff::', 20, 'ipv6'],
    ],
  ],
];

interface BlockLists {
  reason: string;
  lists: Record<'ipv4' | 'ipv6', BlockList>;
}
let blockLists: BlockLists[] | undefined;

/**
 * One list per family (Node's BlockList matches IPv4 addresses against IPv4-mapped IPv6 rules), built
 * on first use: functions that import this module only for its constants (the webhook dispatcher)
 * do not pay for them at cold start.
 */
function blockListsOf(): BlockLists[] {
  blockLists ??= BLOCKED_RANGES.map(([reason, ranges]) => {
    const lists = { ipv4: new BlockList(), ipv6: new BlockList() };
    for (const [network, prefix, family] of ranges) lists[family].addSubnet(network, prefix, family);
    return { reason, lists };
  });
  return blockLists;
}

/**
 * Why an IP address may not receive webhooks, or undefined when it may. Loopback is allowed only
 * as exactly 127.0.0.1 or ::1 and only with `allowLoopback`.
 */
export function blockedAddressReason(
  address: string,
  policy: Pick<UrlPolicy, 'allowLoopback'>,
): string | undefined {
  const version = isIP(address);
  if (version === 0) return 'not an IP address';
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (policy.allowLoopback && (LOOPBACK_ADDRESSES as readonly string[]).includes(address)) return undefined;
  for (const { reason, lists } of blockListsOf()) {
    if (lists[family].check(address, family)) return reason;
  }
  return undefined;
}

const isLoopbackName = (hostname: string) => hostname === 'localhost' || hostname.endsWith('.localhost');

/**
 * Checks a URL for registration. WHATWG URL parsing normalises numeric host tricks
 * (`0x7f000001`, `2130706433`, `0177.0.0.1`, `127.1` all become `127.0.0.1`) before the check.
 */
export function checkWebhookUrl(raw: string, policy: UrlPolicy): UrlCheck {
  if (raw.length > MAX_URL_LENGTH) return { ok: false, reason: `longer than ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not an absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, reason: `the scheme must be https (got ${url.protocol.replace(/:$/, '')})` };
  }
  if (url.username !== '' || url.password !== '')
    return { ok: false, reason: 'credentials in the URL are not allowed' };
  if (url.hash !== '') return { ok: false, reason: 'a fragment (#...) is not allowed' };

  // IPv6 hosts come bracketed: [::1].
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const ipLiteral = isIP(hostname) !== 0;
  const loopbackName = !ipLiteral && isLoopbackName(hostname.toLowerCase());
  const loopback =
    loopbackName || (ipLiteral && (LOOPBACK_ADDRESSES as readonly string[]).includes(hostname));

  if (policy.requireHttps && !(policy.allowLoopback && loopback)) {
    if (url.protocol !== 'https:') return { ok: false, reason: 'the scheme must be https' };
    // WHATWG URL drops the default port, so any port here is not 443.
    if (url.port !== '') return { ok: false, reason: 'the port must be 443' };
  }
  if (ipLiteral) {
    const reason = blockedAddressReason(hostname, policy);
    if (reason !== undefined) return { ok: false, reason: `the host ${hostname} is ${reason}` };
  } else if (loopbackName && !policy.allowLoopback) {
    return { ok: false, reason: `the host ${hostname} is a loopback name` };
  } else if (!hostname.includes('.') && !loopbackName) {
    return { ok: false, reason: 'the host must be a fully qualified domain name' };
  }
  return { ok: true, url, hostname, ipLiteral, loopbackName };
}
