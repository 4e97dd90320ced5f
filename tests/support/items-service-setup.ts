import { beforeEach, expect } from 'vitest';
import { CursorCodec } from '#shared/domain/cursors.ts';
import { contentHashOf } from '#shared/domain/ingest/canonical-json.ts';
import type { NinjsDocument, PreparedItem } from '#shared/domain/item.ts';
import { ItemsReadService } from '#shared/domain/items-read-service.ts';
import { ItemsService } from '#shared/domain/items-service.ts';
import { InMemoryItemStore } from './in-memory-item-store';

export function prepare(document: NinjsDocument): PreparedItem {
  return { document, contentHash: contentHashOf(document), warnings: [] };
}

export function article(overrides: Partial<NinjsDocument> = {}): NinjsDocument {
  return {
    uri: 'urn:partner-a:story:1',
    language: 'ar',
    headlines: [{ value: 'اتصال هاتفي بين وزيري خارجية الكويت وبلجيكا' }],
    ...overrides,
  };
}

export const CURSORS = new CursorCodec(new Uint8Array(32).fill(7));
export const A = { partnerId: 'ptn_A' };
export const B = { partnerId: 'ptn_B' };

export let store: InMemoryItemStore;
export let service: ItemsService;
export let reads: ItemsReadService;
let tick: number;

beforeEach(() => {
  store = new InMemoryItemStore();
  tick = 0;
  service = new ItemsService({
    store,
    clock: () => new Date(Date.UTC(2025, 2, 1, 12, 0, 0, tick++)),
  });
  reads = new ItemsReadService({ store, translations: new NoTranslations(), cursors: async () => CURSORS });
});

/** Translations are the translator's; these tests only need the tenant check before them. */
class NoTranslations {
  async get() {
    return undefined;
  }
  async getVersion() {
    return undefined;
  }
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

/** The document with its keys sorted at every level (canonical JSON, as the content hash sees it). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}
