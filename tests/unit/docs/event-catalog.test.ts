import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApiReference } from '#scripts/build-api-reference.ts';
import {
  catalogEntries,
  EVENT_CATALOG_PATH,
  renderEventCatalogHtml,
  renderEventCatalogMarkdown,
} from '#scripts/event-catalog.ts';
import { DETAIL_TYPES, EVENT_SOURCE } from '#shared/contracts/events/index.ts';
import { eventDetailValidators } from '#shared/contracts/generated/event-validators.js';

describe('the event catalog', () => {
  it('docs/event-catalog.md is the generated catalog (run npm run contracts)', () => {
    expect(readFileSync(EVENT_CATALOG_PATH, 'utf8')).toBe(renderEventCatalogMarkdown());
  });

  it('lists every event type, the internal NewsItemEmbargoed included, with its committed schema', () => {
    const entries = catalogEntries();
    expect(entries.map((e) => e.contract.detailType).sort()).toEqual([...DETAIL_TYPES].sort());
    for (const entry of entries) expect(entry.schema, entry.contract.detailType).toHaveProperty('properties');
    const embargoed = entries.find((e) => e.contract.detailType === 'NewsItemEmbargoed')!;
    expect(embargoed.source).toBe('diplowire.items.embargoed');
    expect(embargoed.archived).toBe(false);
    // Opted in: the translator, and the release schedules; never a public subscriber or the archive.
    expect(embargoed.consumers.map((c) => c.name)).toEqual(['translator', 'release-schedules-held']);
  });

  it('gives each event an example that its own validator accepts, on its own source and detail-type', () => {
    for (const { contract, source, example } of catalogEntries()) {
      const event = example as { source: string; 'detail-type': string; detail: unknown };
      expect(event.source).toBe(source);
      expect(event['detail-type']).toBe(contract.detailType);
      const validate = eventDetailValidators[contract.detailType];
      expect(validate(event.detail) ? [] : validate.errors, contract.detailType).toEqual([]);
    }
  });

  it('names the consumers of each event (and only public events reach the webhooks and the archive)', () => {
    for (const { contract, source, consumers, archived } of catalogEntries()) {
      expect(archived, contract.detailType).toBe(source === EVENT_SOURCE);
      expect(
        consumers.some((c) => c.name === 'webhook-fanout'),
        contract.detailType,
      ).toBe(source === EVENT_SOURCE);
    }
  });

  it('is built as a page beside the API reference, linked from it', () => {
    const out = mkdtempSync(join(tmpdir(), 'diplowire-reference-'));
    try {
      const files = buildApiReference(out);
      expect(files).toContain('events.html');
      const page = readFileSync(join(out, 'events.html'), 'utf8');
      expect(page).toBe(renderEventCatalogHtml());
      for (const type of DETAIL_TYPES) expect(page).toContain(`<section id="${type}"`);
      expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('href="events.html"');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
