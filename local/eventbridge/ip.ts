/**
 * IP address handling with the acceptance rules of EventBridge's matcher: a value is only treated as an
 * address when it looks like one (digits and dots, or hex digits and colons) and then parses strictly.
 */

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

export function looksLikeIp(text: string): boolean {
  return IPV4_SHAPE.test(text) || IPV6_SHAPE.test(text);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const value = Number.parseInt(parts[i] as string, 10);
    if (!Number.isFinite(value) || value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

function parseGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  for (const part of text.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
    groups.push(Number.parseInt(part, 16));
  }
  return groups;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0] as string);
    const tail = parseGroups(halves[1] as string);
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(text);
    if (all === undefined || all.length !== 8) return undefined;
    groups = all;
  }
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  // An IPv4-mapped IPv6 address is an IPv4 address to the Java resolver AWS relies on.
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return bytes.slice(12);
  }
  return bytes;
}

/** Parses an IPv4 or IPv6 literal to its 4 or 16 bytes; undefined when it is not a valid address. */
export function parseIp(text: string): Uint8Array | undefined {
  if (IPV4_SHAPE.test(text)) return parseIpv4(text);
  if (IPV6_SHAPE.test(text)) return parseIpv6(text);
  return undefined;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] as number) - (b[i] as number);
    if (diff !== 0) return diff;
  }
  return 0;
}

export interface IpRange {
  low: Uint8Array;
  high: Uint8Array;
}

/**
 * Compiles `address/bits`. Like AWS, the range runs from the address as written (host bits are not
 * cleared) to the address with all host bits set, and the errors carry AWS's wording.
 */
export function parseCidr(cidr: string): IpRange {
  // Java's String.split drops trailing empty strings, so "10.0.0.0/" has no mask part.
  const parts = cidr.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) throw new Error("Malformed CIDR, one '/' required");
  const maskText = parts[1] as string;
  if (
    !/^[+-]?[0-9]+$/.test(maskText) ||
    !Number.isSafeInteger(Number(maskText)) ||
    Math.abs(Number(maskText)) > 2147483647
  ) {
    throw new Error('Malformed CIDR, mask bits must be an integer');
  }
  const maskBits = Number(maskText);
  if (maskBits < 0) throw new Error('Malformed CIDR, mask bits must not be negative');
  const address = parts[0] as string;
  const low = looksLikeIp(address) ? parseIp(address) : new Uint8Array(0);
  if (low === undefined) throw new Error(`Invalid IP address: ${address}`);
  if (low.length !== 4 && low.length !== 16) throw new Error(`Nonstandard IP address: ${address}`);
  if (low.length === 4 && maskBits > 31) throw new Error('IPv4 mask bits must be < 32');
  if (low.length === 16 && maskBits > 127) throw new Error('IPv6 mask bits must be < 128');
  const high = low.slice();
  let hostBits = low.length * 8 - maskBits;
  for (let i = high.length - 1; i >= 0 && hostBits > 0; i--) {
    high[i] = hostBits >= 8 ? 0xff : (high[i] as number) | ((1 << hostBits) - 1);
    hostBits -= 8;
  }
  return { low, high };
}

export function ipInRange(ip: Uint8Array, range: IpRange): boolean {
  return (
    ip.length === range.low.length && compareBytes(ip, range.low) >= 0 && compareBytes(ip, range.high) <= 0
  );
}
