import { describe, expect, it } from 'vitest';
import { blockedAddressReason, checkWebhookUrl } from '#shared/domain/webhooks/url-policy.ts';

const prod = { requireHttps: true, allowLoopback: false };
const local = { requireHttps: false, allowLoopback: true };

const refused = (url: string, policy = prod) => {
  const check = checkWebhookUrl(url, policy);
  if (check.ok) throw new Error(`${url} was accepted`);
  return check.reason;
};

describe('checkWebhookUrl (production policy)', () => {
  it.each([
    ['https://127.0.0.1/hook', /loopback/],
    ['https://0x7f000001/hook', /127\.0\.0\.1 is a loopback/],
    ['https://2130706433/hook', /127\.0\.0\.1 is a loopback/],
    ['https://0177.0.0.1/hook', /127\.0\.0\.1 is a loopback/],
    ['https://127.1/hook', /127\.0\.0\.1 is a loopback/],
    ['https://[::1]/hook', /loopback/],
    ['https://10.1.2.3/hook', /private/],
    ['https://172.16.0.1/hook', /private/],
    ['https://172.31.255.255/hook', /private/],
    ['https://192.168.1.1/hook', /private/],
    ['https://169.254.169.254/latest/meta-data', /link-local.*metadata/],
    ['https://[fe80::1]/hook', /link-local/],
    ['https://100.64.0.1/hook', /carrier-grade NAT/],
    ['https://224.0.0.1/hook', /multicast/],
    ['https://[ff02::1]/hook', /multicast/],
    ['https://0.0.0.0/hook', /unspecified/],
    ['https://[::]/hook', /unspecified/],
    ['https://240.0.0.1/hook', /reserved/],
    ['https://255.255.255.255/hook', /reserved/],
    ['https://[::ffff:127.0.0.1]/hook', /IPv4-mapped/],
    ['https://[::ffff:10.0.0.1]/hook', /IPv4-mapped/],
    ['https://[fc00::1]/hook', /unique-local/],
    ['https://[fd12:3456::1]/hook', /unique-local/],
    ['https://localhost/hook', /loopback name/],
    ['http://example.com/hook', /scheme must be https/],
    ['https://example.com:8443/hook', /port must be 443/],
    ['ftp://example.com/hook', /scheme must be https/],
    ['https://user:pw@example.com/hook', /credentials/],
    ['https://example.com/hook#frag', /fragment/],
    ['not a url', /not an absolute URL/],
    ['https://intranet/hook', /fully qualified/],
  ])('refuses %s', (url, reason) => {
    expect(refused(url)).toMatch(reason);
  });

  it('accepts a public https URL on 443 and normalises it', () => {
    const check = checkWebhookUrl('https://Hooks.Example.com:443/diplowire?x=1', prod);
    expect(check.ok && check.url.href).toBe('https://hooks.example.com/diplowire?x=1');
    expect(checkWebhookUrl('https://93.184.216.34/hook', prod).ok).toBe(true);
    expect(checkWebhookUrl('https://[2606:4700::1111]/hook', prod).ok).toBe(true);
  });

  it('refuses an over-long URL', () => {
    expect(refused(`https://example.com/${'a'.repeat(2100)}`)).toMatch(/longer than/);
  });
});

describe('checkWebhookUrl with WEBHOOKS_ALLOW_LOOPBACK', () => {
  it('allows exactly loopback receivers over http, on any port', () => {
    expect(checkWebhookUrl('http://127.0.0.1:8080/hook', local).ok).toBe(true);
    expect(checkWebhookUrl('http://[::1]:8080/hook', local).ok).toBe(true);
    expect(checkWebhookUrl('http://localhost:8080/hook', local).ok).toBe(true);
    // Loopback is opened even where https is otherwise required, but nothing else is.
    expect(
      checkWebhookUrl('http://127.0.0.1:8080/hook', { requireHttps: true, allowLoopback: true }).ok,
    ).toBe(true);
  });

  it('still refuses every other private range', () => {
    expect(refused('http://10.0.0.1/hook', local)).toMatch(/private/);
    expect(refused('http://169.254.169.254/', local)).toMatch(/link-local/);
    expect(refused('http://127.0.0.2/hook', local)).toMatch(/loopback/);
    expect(refused('http://[::ffff:127.0.0.1]/hook', local)).toMatch(/IPv4-mapped/);
  });
});

describe('blockedAddressReason', () => {
  it('passes public unicast and names the range of anything else', () => {
    expect(blockedAddressReason('8.8.8.8', prod)).toBeUndefined();
    expect(blockedAddressReason('2001:4860:4860::8888', prod)).toBeUndefined();
    expect(blockedAddressReason('192.168.0.10', prod)).toMatch(/private/);
    expect(blockedAddressReason('::1', { allowLoopback: true })).toBeUndefined();
    expect(blockedAddressReason('example.com', prod)).toMatch(/not an IP/);
  });
});

describe('blockedAddressReason covers every special range of ipaddr.js 2.5 (the former connect-time filter)', () => {
  // One address inside each range ipaddr.js classes as not unicast (IPv4 and IPv6 SpecialRanges).
  it.each([
    '0.1.2.3',
    '255.255.255.255',
    '239.1.1.1',
    '169.254.1.1',
    '127.0.0.53',
    '100.127.255.254',
    '10.255.0.1',
    '172.20.0.1',
    '192.168.255.1',
    '192.0.0.9',
    '192.0.2.1',
    '192.88.99.1',
    '198.19.0.1',
    '198.51.100.7',
    '203.0.113.200',
    '250.0.0.1',
    '192.175.48.6',
    '192.31.196.1',
    '192.52.193.1',
    '::',
    'fe80::1',
    'ff05::2',
    '::1',
    'fd00::1',
    '::ffff:8.8.8.8',
    'fec0::1',
    '100::1',
    '::ffff:0:808:808',
    '64:ff9b::808:808',
    '64:ff9b:1::1',
    '2002:808:808::1',
    '2001::1',
    '2001:2::1',
    '2001:3::1',
    '2001:4:112::1',
    '2620:4f:8000::1',
    '2001:10::1',
    '2001:20::1',
    '2001:30::1',
    '5f00::1',
    '2001:1ff::1',
    '2001:db8::1',
    '3fff::1',
  ])('refuses %s', (address) => {
    expect(blockedAddressReason(address, prod)).toBeDefined();
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700::1111', '2001:200::1', '2a00:1450::1'])(
    'passes public unicast %s',
    (address) => {
      expect(blockedAddressReason(address, prod)).toBeUndefined();
    },
  );
});
