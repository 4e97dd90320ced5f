/**
 * The local console in a real browser (Chromium via playwright-core) against the whole local cloud:
 * submit the seed article from the page, watch its flow reach the translator and a webhook, check the
 * right-to-left rendering next to the translation, and redrive a dead-lettered message. Screenshots go
 * to tests/e2e/artifacts/ (git-ignored).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import {
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceName } from '#infra/config.ts';
import { type LocalTranslateServer, startLocalTranslateServer } from '../support/local-translate-server';
import { WebhookReceiver } from '../support/webhook-receiver';
import { localSqsClient, waitFor } from './support/helpers';
import type { RunningCloud } from './support/local-cloud';
import { partnerApi, startSubscriberCloud, subscribe } from './support/subscribers';
import { REPO_ROOT } from './support/synth';

const ARTIFACTS = join(REPO_ROOT, 'tests', 'e2e', 'artifacts');
const FLOW_TIMEOUT_MS = 90_000;
const SEED_URI = 'urn:newsml:example.org:20261129:kuwait-belgium-call';

/**
 * A system Chromium (CHROMIUM_PATH, or Debian's /usr/bin/chromium) or, when there is none, the browser
 * `npx playwright install chromium` downloaded. Flags as the machine notes require for a closed network.
 */
async function launchBrowser(): Promise<Browser> {
  const executablePath =
    process.env.CHROMIUM_PATH ??
    ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  return chromium.launch({
    ...(executablePath && { executablePath }),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

let translate: LocalTranslateServer;
let receiver: WebhookReceiver;
let cloud: RunningCloud;
let stopCloud: (() => Promise<void>) | undefined;
let browser: Browser;
let page: Page;
let sqs: SQSClient;
let consoleUrl: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  translate = await startLocalTranslateServer();
  receiver = await new WebhookReceiver().start();
  const started = await startSubscriberCloud('console', { AWS_ENDPOINT_URL_TRANSLATE: translate.endpoint });
  cloud = started.cloud;
  stopCloud = started.stop;
  consoleUrl = (cloud.endpoints as unknown as { console: string }).console;
  // The console acts as the demo partner; its webhook goes to the receiver.
  const api = partnerApi(cloud.endpoints, cloud.endpoints.demoApiKey);
  const subscription = await subscribe(api, `${receiver.url}/console`, [
    'NewsItemPublished',
    'NewsItemTranslated',
  ]);
  receiver.verifyWith(subscription.secret);
  sqs = localSqsClient(cloud.endpoints);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  sqs?.destroy();
  await stopCloud?.();
  await receiver?.stop();
  await translate?.close();
});

describe('the local console in Chromium', () => {
  it('is served on loopback and listed in endpoints.json with the API reference', () => {
    const url = new URL(consoleUrl);
    expect(url.hostname).toBe('127.0.0.1');
    expect((cloud.endpoints as unknown as { docs: string }).docs).toBe(`${consoleUrl}/docs`);
  });

  it('refuses requests for another host name and cross-site writes', async () => {
    // fetch cannot set Host; a DNS-rebinding page's requests carry its own host name.
    const rebound = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${consoleUrl}/config.json`);
      request(url, { headers: { host: `attacker.example:${url.port}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(rebound).toBe(403);
    const write = await fetch(`${consoleUrl}/api/v1/items`, { method: 'POST', body: '{}' });
    expect(write.status).toBe(403);
  });

  it('submits the seed article and follows its flow to the translator and a webhook', async () => {
    await page.goto(`${consoleUrl}/#/submit`);
    await page.getByRole('button', { name: 'Load the seed article' }).click();
    await expect.poll(() => page.getByLabel('ninjs 2.2 document (JSON)').inputValue()).toContain(SEED_URI);
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.getByRole('link', { name: 'Follow its flow' }).click();

    const steps = page.locator('ol.flow > li');
    // EventBridge hands the event to the translator's async queue ("delivered") before the invocation
    // runs, so wait for the invocation itself to show in the rule's step.
    const translator = steps.locator('li[data-rule$="-translator"]', {
      hasText: /delivered[\s\S]*invocation of \S+-translator: ok/,
    });
    await translator.first().waitFor({ timeout: FLOW_TIMEOUT_MS });
    const webhook = steps.filter({ hasText: 'NewsItemPublished to' }).filter({ hasText: 'succeeded' });
    await webhook.first().waitFor({ timeout: FLOW_TIMEOUT_MS });
    await expect(webhook.first().textContent()).resolves.toContain('HTTP 204');
    const kinds = await steps.evaluateAll((items) => items.map((li) => li.getAttribute('data-kind')));
    // In pipeline order: the API accepted it before it was stored, streamed, published and delivered.
    for (const [earlier, later] of [
      ['accepted (API)', 'stream record → publisher'],
      ['stored (table)', 'bus'],
      ['stream record → publisher', 'bus'],
      ['bus', 'webhook'],
    ] as const) {
      expect(kinds.indexOf(earlier), `${earlier} before ${later}`).toBeGreaterThanOrEqual(0);
      expect(kinds.indexOf(earlier)).toBeLessThan(kinds.lastIndexOf(later));
    }
    const delivered = receiver.received.find((r) => r.body.includes(SEED_URI));
    expect(delivered?.verifyError).toBeUndefined();
    await page.screenshot({ path: join(ARTIFACTS, 'console-flow.png'), fullPage: true });
  });

  it('renders the Arabic original right-to-left beside its English translation', async () => {
    await page.getByRole('link', { name: 'Items', exact: true }).click();
    await page.locator('tbody a[href^="#/items/itm_"]').first().click();
    const original = page.locator('article[aria-label^="Original"]');
    await original.waitFor();
    await expect(original.getAttribute('lang')).resolves.toBe('ar');
    await expect(original.getAttribute('dir')).resolves.toBe('rtl');
    // Page functions as strings: the tests compile without the DOM library.
    const originalSelector = 'article[aria-label^="Original"]';
    await expect(
      page.evaluate(`getComputedStyle(document.querySelector('${originalSelector}')).direction`),
    ).resolves.toBe('rtl');
    // Right-to-left text starts at the right edge of its box.
    const heading = (await page.evaluate(`(() => {
      const el = document.querySelector('${originalSelector} h3');
      const range = document.createRange();
      range.selectNodeContents(el);
      const text = range.getBoundingClientRect();
      const box = el.getBoundingClientRect();
      return { rightGap: box.right - text.right, leftGap: text.left - box.left };
    })()`)) as { rightGap: number; leftGap: number };
    expect(heading.rightGap).toBeLessThan(2);
    expect(heading.leftGap).toBeGreaterThan(heading.rightGap);

    const translation = page.locator('article[aria-label^="Translation"]');
    await expect(translation.getAttribute('lang')).resolves.toBe('en');
    await expect(translation.getAttribute('dir')).resolves.toBe('ltr');
    await expect(translation.locator('h3').textContent()).resolves.toMatch(/^\[en\] /);
    // Side by side: the two columns share a row.
    const [a, b] = await Promise.all([original.boundingBox(), translation.boundingBox()]);
    expect(Math.abs((a?.y ?? 0) - (b?.y ?? 1))).toBeLessThan(2);
    await expect(page.getByTestId('release-state').textContent()).resolves.toBe('released');
    await page.screenshot({ path: join(ARTIFACTS, 'console-item-rtl.png'), fullPage: true });
  });

  it('redrives a dead-lettered message back to its queue', async () => {
    const source = resourceName('dev', 'e2e-redrive');
    const dlq = resourceName('dev', 'e2e-redrive-dlq');
    const url = async (name: string) =>
      (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
    const sourceUrl = await url(source);
    await sqs.send(new SendMessageCommand({ QueueUrl: sourceUrl, MessageBody: '{"job":"console-redrive"}' }));
    // maxReceiveCount 1, visibility 0: the second receive finds it exhausted and SQS dead-letters it.
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: sourceUrl }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: sourceUrl, WaitTimeSeconds: 0 }));

    await page.getByRole('link', { name: 'Queues', exact: true }).click();
    const row = page.locator(`tr[data-queue="${dlq}"]`);
    await row.locator('td').first().filter({ hasText: '1' }).waitFor({ timeout: 10_000 });
    await row.getByRole('link', { name: `Peek at ${dlq}` }).click();
    await page.locator('details[open] pre', { hasText: 'console-redrive' }).first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-queues-dlq.png'), fullPage: true });

    await page
      .locator(`tr[data-queue="${dlq}"]`)
      .getByRole('button', { name: `Redrive ${dlq}` })
      .click();
    await page.locator('.notice', { hasText: 'completed, 1 of 1 moved' }).waitFor({ timeout: 20_000 });
    const back = await waitFor(
      async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: sourceUrl, WaitTimeSeconds: 1 }),
        );
        return Messages.find((m) => m.Body?.includes('console-redrive'));
      },
      15_000,
      'the redriven message in its source queue',
    );
    expect(back.Body).toBe('{"job":"console-redrive"}');
    await page.locator(`tr[data-queue="${dlq}"] td`).first().filter({ hasText: /^0$/ }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-queues-redriven.png'), fullPage: true });
  });

  it('serves the rendered API reference at /docs, pointing at the local API', async () => {
    await page.goto(`${consoleUrl}/`);
    await page.getByRole('link', { name: 'API reference' }).click();
    // Operations are grouped by tag (collapsed until opened): the Items tag's description proves the
    // document rendered.
    await page
      .getByText('Submit, correct, retract and read ninjs 2.2 news items and their versions.')
      .first()
      .waitFor({ timeout: 30_000 });
    expect(page.url()).toBe(`${consoleUrl}/docs/`);
    const served = (await (await fetch(`${consoleUrl}/docs/openapi.json`)).json()) as {
      servers: Array<{ url: string }>;
    };
    expect(served.servers[0]?.url).toBe(cloud.endpoints.api);
    await page.screenshot({ path: join(ARTIFACTS, 'console-api-reference.png') });
    await page.getByRole('link', { name: 'Event catalog' }).click();
    await page.getByRole('heading', { name: /NewsItemEmbargoed/ }).waitFor({ timeout: 30_000 });
    expect(page.url()).toBe(`${consoleUrl}/docs/events.html`);
    await page.screenshot({ path: join(ARTIFACTS, 'console-event-catalog.png'), fullPage: true });
  });

  it('works from the keyboard, with a label on every control', async () => {
    await page.goto('about:blank');
    await page.goto(`${consoleUrl}/#/submit`);
    await page.locator('#submit-body').waitFor();
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement?.textContent')).resolves.toBe('Skip to content');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement?.id')).resolves.toBe('submit-body');
    const unlabelled = await page.evaluate(`[...document.querySelectorAll('input, select, textarea')]
      .filter((el) => el.labels?.length === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.outerHTML)`);
    expect(unlabelled).toEqual([]);
  });
});
