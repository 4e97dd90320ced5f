import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  assertLoopbackBind,
  isLoopbackHost,
  isLoopbackOrigin,
  loopbackOnly,
} from '#local/support/loopback.ts';

describe('isLoopbackHost', () => {
  it.each([
    'localhost',
    'LOCALHOST:3000',
    '127.0.0.1',
    '127.0.0.1:4566',
    '127.45.6.7:80',
    '[::1]',
    '[::1]:8080',
    '[0:0:0:0:0:0:0:1]:1',
    '[::ffff:127.0.0.1]:9',
  ])('accepts %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    undefined,
    '',
    'evil.example',
    'evil.example:4566',
    'localhost.evil.example',
    'localhost.',
    '127.0.0.1.nip.io',
    '128.0.0.1',
    '0.0.0.0',
    '10.0.0.1:80',
    '::1',
    '[::2]',
    '[::ffff:10.0.0.1]',
    '[::1',
    '127.0.0.1:99999999',
    'localhost:80:80',
    '2130706433',
  ])('refuses %s', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('isLoopbackOrigin', () => {
  it('accepts no Origin and loopback origins', () => {
    expect(isLoopbackOrigin(undefined)).toBe(true);
    expect(isLoopbackOrigin('http://localhost:5173')).toBe(true);
    expect(isLoopbackOrigin('http://127.0.0.1')).toBe(true);
  });
  it('refuses foreign, opaque and non-http origins', () => {
    expect(isLoopbackOrigin('https://evil.example')).toBe(false);
    expect(isLoopbackOrigin('null')).toBe(false);
    expect(isLoopbackOrigin('file://')).toBe(false);
  });
});

describe('assertLoopbackBind', () => {
  it('refuses to listen beyond loopback', () => {
    expect(() => assertLoopbackBind('0.0.0.0')).toThrow(/loopback only/);
    expect(() => assertLoopbackBind('::')).toThrow(/loopback only/);
    expect(() => assertLoopbackBind('192.0.2.1')).toThrow(/loopback only/);
    expect(() => assertLoopbackBind('127.0.0.1')).not.toThrow();
    expect(() => assertLoopbackBind('::1')).not.toThrow();
    expect(() => assertLoopbackBind('localhost')).not.toThrow();
  });
});

describe('loopbackOnly', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  async function serve(): Promise<{ port: number; served: string[] }> {
    const served: string[] = [];
    server = createServer(
      loopbackOnly((req, res) => {
        served.push(req.headers.host ?? '');
        res.end('ok');
      }),
    );
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, served };
  }

  function get(port: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', method: 'POST', headers }, (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end('x'.repeat(1000));
    });
  }

  it('serves loopback Hosts and refuses a rebound name or a foreign page with 403', async () => {
    const { port, served } = await serve();
    expect((await get(port, { host: `127.0.0.1:${port}` })).status).toBe(200);
    expect((await get(port, { host: `localhost:${port}`, origin: 'http://localhost:3000' })).status).toBe(
      200,
    );
    const rebound = await get(port, { host: `evil.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).message).toMatch(/Host header is not a loopback name/);
    const crossSite = await get(port, { host: `127.0.0.1:${port}`, origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(served).toEqual([`127.0.0.1:${port}`, `localhost:${port}`]);
  });
});
