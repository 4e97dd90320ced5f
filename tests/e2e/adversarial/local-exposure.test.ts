/**
 * The local cloud serves this machine only (issue 10, item 2): nothing listens beyond loopback, every
 * HTTP endpoint refuses a DNS-rebound Host or a foreign page, and the files holding keys are private.
 */
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killLeftoverDynamoDb, type RunningCloud, startCloud } from '../support/local-cloud';
import { synthesize } from '../support/synth';

let dataDir: string;
let cloud: RunningCloud;

beforeAll(async () => {
  const cdkOut = await synthesize();
  dataDir = mkdtempSync(join(tmpdir(), 'diplowire-e2e-exposure-'));
  // As `.local` is after a plain mkdir: the cloud must tighten it.
  chmodSync(dataDir, 0o755);
  cloud = await startCloud({ dataDir, cdkOut });
});

afterAll(async () => {
  await cloud?.stop();
  if (dataDir) {
    await killLeftoverDynamoDb(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** A raw request with the given Host (fetch will not forge one). */
function send(
  url: string,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

/** Resolves 'connected' or the connection error's code. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('ETIMEDOUT');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe('the local cloud exposes nothing beyond loopback', () => {
  it('refuses a DNS-rebound Host on the API, EventBridge, SQS and /_local', async () => {
    const { api, eventbridge, sqs, demoApiKey } = cloud.endpoints;
    const attacks: Array<[string, string, string, Record<string, string>]> = [
      [api, '/v1/items/itm_00000000000000000000000000', 'GET', { authorization: `Bearer ${demoApiKey}` }],
      [eventbridge, '/', 'POST', { 'x-amz-target': 'AWSEvents.ListRules' }],
      [eventbridge, '/_local/events', 'GET', {}],
      [sqs, '/', 'POST', { 'x-amz-target': 'AmazonSQS.ListQueues' }],
      [sqs, '/_local/queues', 'GET', {}],
    ];
    for (const [base, path, method, headers] of attacks) {
      const port = new URL(base).port;
      const honest = await send(base, path, { ...headers, host: `127.0.0.1:${port}` }, method);
      expect(honest.status, `${base}${path} from this machine`).not.toBe(403);
      const rebound = await send(base, path, { ...headers, host: `evil.example:${port}` }, method);
      expect(rebound.status, `${base}${path} with Host: evil.example`).toBe(403);
      expect(rebound.body).not.toContain(demoApiKey);
      const crossSite = await send(
        base,
        path,
        { ...headers, host: `localhost:${port}`, origin: 'https://evil.example' },
        method,
      );
      expect(crossSite.status, `${base}${path} from a foreign page`).toBe(403);
    }
  });

  it('keeps DynamoDB Local off every non-loopback address of this machine', async () => {
    const port = Number(new URL(cloud.endpoints.dynamodb).port);
    expect(await tryConnect('127.0.0.1', port)).toBe('connected');
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address !== undefined && !address.internal)
      .map((address) => address!.address)
      .filter((address) => !address.startsWith('fe80:'));
    for (const address of external) {
      expect(await tryConnect(address, port), `DynamoDB Local on ${address}:${port}`).not.toBe('connected');
    }
    // The same for the cloud's own servers.
    for (const url of [cloud.endpoints.api, cloud.endpoints.eventbridge, cloud.endpoints.sqs]) {
      for (const address of external)
        expect(await tryConnect(address, Number(new URL(url).port))).not.toBe('connected');
    }
  });

  it('writes endpoints.json (the demo key) 0600 in a directory only its owner can read', () => {
    expect(statSync(join(dataDir, 'endpoints.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'demo-partner.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o077).toBe(0);
  });
});
