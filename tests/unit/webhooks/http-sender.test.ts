import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  BlockedAddressError,
  filteringLookup,
  HttpWebhookSender,
} from '#shared/adapters/webhooks/http-sender.ts';

/** A resolver that answers every name with the given addresses, like dns.lookup (one or all). */
function resolver(addresses: LookupAddress[], error?: NodeJS.ErrnoException): LookupFunction {
  return (_hostname, options, callback) => {
    const cb = callback as (
      e: NodeJS.ErrnoException | null,
      a?: string | LookupAddress[],
      f?: number,
    ) => void;
    if (error) return cb(error);
    if ((options as { all?: boolean }).all) return cb(null, addresses);
    cb(null, addresses[0]!.address, addresses[0]!.family);
  };
}

function lookUp(lookup: LookupFunction, all: boolean) {
  return new Promise<{ error: Error | null; address: unknown; family: unknown }>((resolve) => {
    lookup(
      'hooks.example.com',
      { all } as never,
      ((error: Error | null, address: unknown, family: unknown) =>
        resolve({ error, address, family })) as never,
    );
  });
}

const prod = { allowLoopback: false };
const publicV4 = { address: '93.184.216.34', family: 4 };
const publicV6 = { address: '2606:4700::1111', family: 6 };

describe('filteringLookup (connect-time SSRF check)', () => {
  it('passes public answers through unchanged, one or all', async () => {
    expect(await lookUp(filteringLookup(prod, resolver([publicV4, publicV6])), false)).toEqual({
      error: null,
      address: publicV4.address,
      family: 4,
    });
    const all = await lookUp(filteringLookup(prod, resolver([publicV4, publicV6])), true);
    expect(all.error).toBeNull();
    expect(all.address).toEqual([publicV4, publicV6]);
  });

  it.each([
    ['169.254.169.254', /link-local/],
    ['10.0.0.7', /private/],
    ['127.0.0.1', /loopback/],
    ['::ffff:127.0.0.1', /IPv4-mapped/],
    ['fd00::1', /unique-local/],
  ])('refuses an answer %s, also among public ones', async (address, reason) => {
    const family = address.includes(':') ? 6 : 4;
    for (const all of [false, true]) {
      const answers = all ? [publicV4, { address, family }] : [{ address, family }];
      const { error } = await lookUp(filteringLookup(prod, resolver(answers)), all);
      expect(error).toBeInstanceOf(BlockedAddressError);
      expect((error as BlockedAddressError).address).toBe(address);
      expect((error as BlockedAddressError).reason).toMatch(reason);
    }
  });

  it('opens exactly 127.0.0.1 and ::1 with allowLoopback, nothing else private', async () => {
    const local = { allowLoopback: true };
    const loopback = [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ];
    expect((await lookUp(filteringLookup(local, resolver(loopback)), true)).error).toBeNull();
    const other = await lookUp(
      filteringLookup(local, resolver([{ address: '127.0.0.2', family: 4 }])),
      false,
    );
    expect(other.error).toBeInstanceOf(BlockedAddressError);
  });

  it('passes a resolver error on as it is', async () => {
    const failure = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    expect((await lookUp(filteringLookup(prod, resolver([], failure)), true)).error).toBe(failure);
  });
});

describe('HttpWebhookSender', () => {
  const webhook = (url: string) => ({
    url,
    secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    messageId: 'msg_1',
    sentAt: new Date(),
    body: '{}',
  });

  it.each([
    'http://10.0.0.1/hook',
    'https://169.254.169.254/latest/meta-data',
    'http://[::ffff:127.0.0.1]:8080/hook',
    'http://[fe80::1]/hook',
  ])('refuses an IP-literal URL %s without connecting (no lookup happens for literals)', async (url) => {
    let looked = false;
    const sender = new HttpWebhookSender({
      allowLoopback: true,
      lookup: (...args) => {
        looked = true;
        return resolver([publicV4])(...args);
      },
    });
    expect(await sender.send(webhook(url))).toEqual({
      kind: 'error',
      durationMs: 0,
      error: 'blocked: the host resolved to a non-public address',
    });
    expect(looked).toBe(false);
  });

  it('reports an unparseable URL as an error attempt', async () => {
    const sender = new HttpWebhookSender({ allowLoopback: false });
    expect(await sender.send(webhook('not a url'))).toEqual({
      kind: 'error',
      durationMs: 0,
      error: 'invalid URL',
    });
  });

  it('reports a host name resolving to a private address as blocked, with no details of it', async () => {
    const sender = new HttpWebhookSender({
      allowLoopback: false,
      lookup: resolver([{ address: '10.1.2.3', family: 4 }]),
    });
    const result = await sender.send(webhook('http://rebound.example/hook'));
    expect(result).toMatchObject({
      kind: 'error',
      error: 'blocked: the host resolved to a non-public address',
    });
  });
});
