/**
 * The embargo transition tests' world: the items and release services over an in-memory store, and
 * an outbox that records every event the stream would carry (each accepted version, then each
 * release). The clock belongs to the importing file (its tests move it); `resetHeldItems` builds a
 * fresh world around it before each test.
 */

import { toNewsItemEvent, toReleaseEvent } from '#shared/domain/events.ts';
import { contentHashOf } from '#shared/domain/ingest/canonical-json.ts';
import type { ItemVersion, NinjsDocument, PreparedItem } from '#shared/domain/item.ts';
import { ItemsService } from '#shared/domain/items-service.ts';
import { ReleaseService } from '#shared/domain/release-service.ts';
import { InMemoryItemStore } from '../../../support/in-memory-item-store';

export const T0 = Date.UTC(2030, 0, 1, 9, 0, 0);
export const iso = (ms: number) => new Date(ms).toISOString();
export const A = { partnerId: 'ptn_A' };

export function article(overrides: Partial<NinjsDocument> = {}): NinjsDocument {
  return {
    uri: 'urn:ministry:statement:1',
    language: 'ar',
    headlines: [{ value: 'بيان وزارة الخارجية' }],
    bodies: [{ value: 'نص البيان' }],
    ...overrides,
  };
}
export const prepare = (document: NinjsDocument): PreparedItem => ({
  document,
  contentHash: contentHashOf(document),
  warnings: [],
});

export let store: InMemoryItemStore;
export let items: ItemsService;
export let releases: ReleaseService;
/** The outbox as the stream would carry it: every accepted version, then every release. */
let outbox: { source: string; detailType: string; version: number; eventId: string; releasedAt?: string }[];

function record(event: ReturnType<typeof toNewsItemEvent>) {
  const { releasedAt } = event.detail as { releasedAt?: string };
  outbox.push({
    source: event.source,
    detailType: event.detailType,
    version: event.detail.version,
    eventId: event.detail.eventId,
    ...(releasedAt === undefined ? {} : { releasedAt }),
  });
}
export const publicEvents = () => outbox.filter((e) => e.source === 'diplowire.items');
export const internalEvents = () => outbox.filter((e) => e.source === 'diplowire.items.embargoed');

export async function submit(doc: NinjsDocument) {
  const result = await items.submit(A, prepare(doc));
  if (result.outcome === 'created') record(toNewsItemEvent(result.version));
  return result;
}
export async function correct(itemId: string, ifMatch: number, doc: NinjsDocument) {
  const result = await items.correct(A, itemId, ifMatch, prepare(doc));
  if (result.outcome === 'corrected') record(toNewsItemEvent(result.version));
  return result;
}
export async function retract(itemId: string, ifMatch: number) {
  const result = await items.retract(A, itemId, ifMatch);
  if (result.outcome === 'retracted') record(toNewsItemEvent(result.version));
  return result;
}
/** Wraps store.release so each successful release lands in the outbox (its stream MODIFY). */
function recordReleases(target: InMemoryItemStore) {
  const release = target.release.bind(target);
  target.release = async (itemId, version, releasedAt) => {
    const done = await release(itemId, version, releasedAt);
    if (done) record(toReleaseEvent((await target.getVersion(itemId, version)) as ItemVersion, releasedAt));
    return done;
  };
}

/** A fresh store, services and outbox on the importing file's clock (`sleep` advances it). */
export function resetHeldItems(clock: () => Date, sleep: (ms: number) => Promise<void>): void {
  outbox = [];
  store = new InMemoryItemStore();
  recordReleases(store);
  items = new ItemsService({ store, clock });
  releases = new ReleaseService({ store, clock, sleep });
}
