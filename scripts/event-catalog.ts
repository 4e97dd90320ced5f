/**
 * The event catalog: every event type Diplowire puts on its bus, with its schema (the committed
 * contract schema), a realistic example (built from the seed article by the same domain code the
 * publisher runs) and the subscribers whose rules consume it. `npm run contracts` writes it to
 * docs/event-catalog.md; `npm run docs:build` renders it beside the API reference (`events.html`).
 *
 * The consumers are declared here and checked against the synthesized EventBridge rules by
 * tests/infra/event-catalog.test.ts, so the page cannot drift from the infrastructure.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  contractKey,
  type DetailType,
  EMBARGOED_EVENT_SOURCE,
  EVENT_CONTRACTS,
  EVENT_SOURCE,
  type EventContract,
  type NewsItemTranslatedDetailV1,
} from '#shared/contracts/events/index.ts';
import { toNewsItemEvent } from '#shared/domain/events.ts';
import type { ItemVersion, NinjsDocument } from '#shared/domain/item.ts';
import { translationEventIdOf } from '#shared/domain/translation/model.ts';
import { WEBHOOK_EVENT_TYPES } from '#shared/domain/webhooks/model.ts';
import { readCommittedEventSchemas } from './generate-event-schemas';
import { markdownTable } from './markdown';

export const EVENT_CATALOG_PATH = fileURLToPath(new URL('../docs/event-catalog.md', import.meta.url));

export interface EventConsumer {
  /** The subscriber; its rule is named `diplowire-<stage>-<name>`. */
  name: string;
  sources: readonly string[];
  detailTypes: readonly DetailType[];
  /** Matching on the detail beyond source and detail-type, in words. */
  filter?: string;
  what: string;
  doc: string;
}

/** The subscribers on the bus (infra/stacks/subscribers-stack.ts). */
export const EVENT_CONSUMERS: readonly EventConsumer[] = [
  {
    name: 'translator',
    sources: [EVENT_SOURCE, EMBARGOED_EVENT_SOURCE],
    detailTypes: ['NewsItemPublished', 'NewsItemCorrected', 'NewsItemEmbargoed'],
    filter: '`language` is not a target language (`TARGET_LANGUAGES`, default `en`)',
    what: 'Translates the version with Amazon Translate (held versions too, so the translation is ready at release) and publishes `NewsItemTranslated`.',
    doc: 'docs/translation.md',
  },
  {
    name: 'webhook-fanout',
    sources: [EVENT_SOURCE],
    detailTypes: WEBHOOK_EVENT_TYPES,
    what: "Queues one signed webhook delivery per subscription whose filter matches; partners' webhook endpoints receive the event.",
    doc: 'docs/webhooks.md',
  },
  {
    name: 'release-schedules-held',
    sources: [EMBARGOED_EVENT_SOURCE],
    detailTypes: ['NewsItemEmbargoed'],
    what: "`embargo-schedules` sets (or removes) the item's one EventBridge Scheduler release schedule from its current head.",
    doc: 'docs/operations.md',
  },
  {
    name: 'release-schedules-following',
    sources: [EVENT_SOURCE],
    detailTypes: ['NewsItemPublished', 'NewsItemCorrected', 'NewsItemRetracted'],
    filter: '`version` > 1',
    what: '`embargo-schedules` removes the release schedule of an item whose embargo was lifted (the version before was held).',
    doc: 'docs/operations.md',
  },
];

/** The archive of the bus: replayable with `npm run ops -- replay` (docs/operations.md). */
export const EVENT_ARCHIVE = { name: 'items archive', sources: [EVENT_SOURCE] } as const;

const seed = JSON.parse(
  readFileSync(new URL('../examples/seed-article.json', import.meta.url), 'utf8'),
) as NinjsDocument;
const ITEM_ID = `itm_01JD8X${'0'.repeat(19)}A`;
const PARTNER_ID = `ptn_01JD8W${'0'.repeat(19)}K`;

function exampleVersion(version: number, changes: Partial<ItemVersion> = {}): ItemVersion {
  const document = changes.document ?? seed;
  return {
    itemId: ITEM_ID,
    version,
    partnerId: PARTNER_ID,
    uri: String(seed.uri),
    language: String(seed.language),
    pubstatus: 'usable',
    receivedAt: `2026-11-29T09:3${version}:00.000Z`,
    contentHash: createHash('sha256').update(JSON.stringify(document)).digest('hex'),
    document,
    publicBefore: version > 1,
    ...changes,
  };
}

/** An EventBridge event as a target receives it. */
function envelope(source: string, detailType: string, detail: object, time: string) {
  return {
    version: '0',
    id: '6f1c2b8e-3d4a-4b5c-8d9e-0a1b2c3d4e5f',
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: time.replace(/\.\d+Z$/, 'Z'),
    region: 'eu-west-1',
    resources: [],
    detail,
  };
}

/** One example event per detail-type, produced by the publisher's own mapping from the seed article. */
export function exampleEvents(): Record<DetailType, ReturnType<typeof envelope>> {
  const fromVersion = (version: ItemVersion) => {
    const event = toNewsItemEvent(version);
    return envelope(event.source, event.detailType, event.detail, version.receivedAt);
  };
  const corrected = { ...seed, headlines: [{ value: `${seed.headlines?.[0]?.value ?? ''} (محدث)` }] };
  const translated: NewsItemTranslatedDetailV1 = {
    schemaVersion: '1',
    eventId: translationEventIdOf({ itemId: ITEM_ID, version: 1, language: 'en' }),
    itemId: ITEM_ID,
    version: 1,
    partnerId: PARTNER_ID,
    uri: String(seed.uri),
    sourceLanguage: 'ar',
    language: 'en',
    provider: 'aws',
    status: 'translated',
    charactersBilled: 1024,
    translatedAt: '2026-11-29T09:31:04.000Z',
    headline: 'Strengthening bilateral relations between Kuwait and Belgium',
  };
  return {
    NewsItemPublished: fromVersion(exampleVersion(1)),
    NewsItemCorrected: fromVersion(exampleVersion(2, { document: corrected })),
    NewsItemRetracted: fromVersion(exampleVersion(3, { pubstatus: 'canceled' })),
    NewsItemTranslated: envelope(EVENT_SOURCE, 'NewsItemTranslated', translated, translated.translatedAt),
    NewsItemEmbargoed: fromVersion(
      exampleVersion(1, {
        hold: { kind: 'embargo', until: '2026-11-29T12:00:00.000Z' },
        publicBefore: false,
      }),
    ),
  };
}

export interface CatalogEntry {
  contract: EventContract;
  source: string;
  schema: object;
  example: object;
  consumers: readonly EventConsumer[];
  archived: boolean;
}

export function catalogEntries(): CatalogEntry[] {
  const schemas = readCommittedEventSchemas();
  const examples = exampleEvents();
  return EVENT_CONTRACTS.map((contract) => {
    const source = contract.source ?? EVENT_SOURCE;
    return {
      contract,
      source,
      schema: schemas[contractKey(contract)]!,
      example: examples[contract.detailType],
      consumers: EVENT_CONSUMERS.filter(
        (c) => c.sources.includes(source) && c.detailTypes.includes(contract.detailType),
      ),
      archived: (EVENT_ARCHIVE.sources as readonly string[]).includes(source),
    };
  });
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

export function renderEventCatalogMarkdown(): string {
  const entries = catalogEntries();
  const rows = entries.map(({ contract, source, consumers, archived }) => [
    `[\`${contract.detailType}\`](#${contract.detailType.toLowerCase()})`,
    `v${contract.majorVersion}`,
    `\`${source}\``,
    [...consumers.map((c) => `\`${c.name}\``), ...(archived ? ['archive'] : [])].join(', ') || 'none',
  ]);
  const sections = entries.map(({ contract, source, schema, example, consumers, archived }) =>
    [
      `## ${contract.detailType}`,
      '',
      `${contract.description}`,
      '',
      `- Source \`${source}\`, detail-type \`${contract.detailType}\`, version ${contract.majorVersion} (schema \`shared/contracts/events/schemas/${contractKey(contract)}.json\`).`,
      `- ${archived ? 'Archived, so it can be replayed to subscribers.' : 'Not archived: the source is internal, and no public rule or the archive ever matches it.'}`,
      '',
      markdownTable(
        ['Consumer', 'Filter', 'What it does'],
        consumers.map((c) => [
          `\`${c.name}\` ([doc](${c.doc.replace(/^docs\//, '')}))`,
          c.filter ?? 'none',
          c.what,
        ]),
      ),
      '',
      '<details><summary>Example event</summary>',
      '',
      '```json',
      json(example),
      '```',
      '',
      '</details>',
      '',
      '<details><summary>Detail schema (JSON Schema 2020-12)</summary>',
      '',
      '```json',
      json(schema),
      '```',
      '',
      '</details>',
      '',
    ].join('\n'),
  );
  return `<!-- Generated by \`npm run contracts\` (scripts/event-catalog.ts) from the event contracts; do not edit. -->

# Event catalog

Every event Diplowire puts on its EventBridge bus, the subscribers whose rules consume it, an example
(produced from the seed article by the publisher's own mapping) and the schema of its \`detail\`. The
rules behind the consumer lists are checked against the CDK stacks by a test; how events are
versioned and delivered is in [events.md](events.md).

${markdownTable(['Event', 'Version', 'Source', 'Consumers'], rows)}

${sections.join('\n')}`;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const inlineCode = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');

/** The catalog as one self-contained HTML page (no script), for the static reference and the console. */
export function renderEventCatalogHtml(): string {
  const entries = catalogEntries();
  const sections = entries
    .map(
      ({ contract, source, schema, example, consumers, archived }) => `
<section id="${contract.detailType}" aria-labelledby="h-${contract.detailType}">
  <h2 id="h-${contract.detailType}">${contract.detailType} <small>v${contract.majorVersion}</small></h2>
  <p>${inlineCode(contract.description)}</p>
  <p>Source <code>${source}</code>. ${archived ? 'Archived (replayable).' : 'Internal: not archived, never seen by public rules.'}</p>
  <table><caption>Consumers</caption><thead><tr><th scope="col">Subscriber</th><th scope="col">Filter</th><th scope="col">What it does</th></tr></thead><tbody>
  ${consumers.map((c) => `<tr><td><code>${c.name}</code></td><td>${inlineCode(c.filter ?? 'none')}</td><td>${inlineCode(c.what)}</td></tr>`).join('\n  ')}
  </tbody></table>
  <details><summary>Example event</summary><pre><code>${escapeHtml(json(example))}</code></pre></details>
  <details><summary>Detail schema</summary><pre><code>${escapeHtml(json(schema))}</code></pre></details>
</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>Diplowire event catalog</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; color: #1a1a1a; }
  code, pre { font-family: ui-monospace, monospace; font-size: 0.9em; }
  pre { background: #f4f4f4; padding: 0.75rem; overflow: auto; }
  table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; }
  th, td { border: 1px solid #bbb; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
  caption { text-align: left; font-weight: 600; }
  a { color: #0645ad; }
  section { border-top: 1px solid #ccc; margin-top: 1.5rem; }
</style>
</head>
<body>
<header><nav aria-label="Reference"><a href="./">API reference</a> · <strong>Event catalog</strong></nav>
<h1>Diplowire event catalog</h1>
<p>Every event on the Diplowire bus, the subscribers that consume it, an example and its detail schema.</p>
<ul>${entries.map(({ contract }) => `<li><a href="#${contract.detailType}">${contract.detailType}</a></li>`).join('')}</ul>
</header>
<main>${sections}
</main>
</body>
</html>
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(EVENT_CATALOG_PATH, renderEventCatalogMarkdown());
  console.log(`Wrote ${EVENT_CATALOG_PATH}`);
}
