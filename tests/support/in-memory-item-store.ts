import { isHeld, type Publication } from '#shared/domain/embargo.ts';
import type { ItemHead, ItemVersion, VersionSummary } from '#shared/domain/item.ts';
import { type ItemListing, listingOf } from '#shared/domain/listing.ts';
import type {
  DueRelease,
  ItemReadStore,
  ItemWriteStore,
  ListingPosition,
  ReleaseStore,
} from '#shared/domain/ports.ts';

type Row = ItemVersion & { itemCreatedAt: string };

/**
 * An ItemWriteStore, ItemReadStore and ReleaseStore with the ports' semantics, modelled on the DynamoDB design:
 * versions only, the head is the latest version, a version number (including 1) can be taken
 * once; appending on a held head supersedes it unless it was released, and a release succeeds
 * only on a held, unsuperseded, due version.
 */
export class InMemoryItemStore implements ItemWriteStore, ItemReadStore, ReleaseStore {
  readonly versions = new Map<string, Row[]>();
  writes = 0;
  /** Lets a test slip a concurrent change in between the service's read and its write. */
  beforeAppend?: () => void | Promise<void>;

  async createItem(first: ItemVersion): Promise<{ created: true } | { created: false; existing: ItemHead }> {
    const existing = await this.getHead(first.itemId);
    if (existing) return { created: false, existing };
    this.writes++;
    this.versions.set(first.itemId, [{ ...structuredClone(first), itemCreatedAt: first.receivedAt }]);
    return { created: true };
  }

  async appendVersion(
    next: ItemVersion,
    base: Pick<ItemHead, 'itemId' | 'version' | 'createdAt'> & Publication,
  ): Promise<boolean> {
    await this.beforeAppend?.();
    if (next.version !== base.version + 1) throw new RangeError('not the next version');
    const versions = this.versions.get(next.itemId);
    if (!versions || versions.some((v) => v.version === next.version)) return false;
    if (isHeld(base)) {
      const held = versions.find((v) => v.version === base.version)!;
      if (held.releasedAt !== undefined || held.supersededAt !== undefined) return false;
      held.supersededAt = next.receivedAt;
    }
    this.writes++;
    versions.push({ ...structuredClone(next), itemCreatedAt: base.createdAt });
    return true;
  }

  async getHead(itemId: string): Promise<ItemHead | undefined> {
    const latest = this.versions.get(itemId)?.at(-1);
    if (!latest) return undefined;
    const { itemCreatedAt, receivedAt, partnerId, uri, version, pubstatus, language, contentHash } = latest;
    return structuredClone({
      itemId,
      partnerId,
      uri,
      version,
      pubstatus,
      language,
      contentHash,
      createdAt: itemCreatedAt,
      updatedAt: receivedAt,
      ...publicationOf(latest),
    });
  }

  async getVersion(itemId: string, version: number): Promise<ItemVersion | undefined> {
    const found = this.versions.get(itemId)?.find((v) => v.version === version);
    if (!found) return undefined;
    const { itemCreatedAt: _, ...itemVersion } = structuredClone(found);
    return itemVersion;
  }

  async listVersions(
    itemId: string,
    page: { after?: number; limit?: number } = {},
  ): Promise<VersionSummary[]> {
    const after = page.after ?? 0;
    const versions = (this.versions.get(itemId) ?? []).filter((v) => v.version > after);
    return versions.slice(0, page.limit ?? versions.length).map((v) =>
      structuredClone({
        version: v.version,
        pubstatus: v.pubstatus,
        receivedAt: v.receivedAt,
        ...publicationOf(v),
      }),
    );
  }

  /** The listing the stream projection would hold: each item's latest version, latest change first. */
  async listOwned(
    partnerId: string,
    after: ListingPosition | undefined,
    maxRows: number,
  ): Promise<{ rows: ItemListing[]; next?: ListingPosition }> {
    const sortKey = (l: { changedAt: string; itemId: string }) => `${l.changedAt}#${l.itemId}`;
    const all = [...this.versions.values()]
      .map((versions) => {
        const { itemCreatedAt, ...latest } = versions.at(-1)!;
        return listingOf(structuredClone(latest), itemCreatedAt);
      })
      .filter((l) => l.partnerId === partnerId && (after === undefined || sortKey(l) < sortKey(after)))
      .sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : -1));
    const rows = all.slice(0, maxRows);
    const last = rows.at(-1);
    return all.length > maxRows && last
      ? { rows, next: { changedAt: last.changedAt, itemId: last.itemId } }
      : { rows };
  }

  async release(itemId: string, version: number, releasedAt: string): Promise<boolean> {
    const row = this.versions.get(itemId)?.find((v) => v.version === version);
    if (row?.hold?.kind !== 'embargo' || !isHeld(row) || row.hold.until > releasedAt) return false;
    this.writes++;
    row.releasedAt = releasedAt;
    return true;
  }

  /** Burst leases by release time: when each lapses (ReleaseStore.claimBurst). */
  readonly burstLeases = new Map<string, number>();

  async claimBurst(releaseAt: string, nowMs: number, leaseUntilMs: number): Promise<boolean> {
    const held = this.burstLeases.get(releaseAt);
    if (held !== undefined && held >= nowMs) return false;
    this.burstLeases.set(releaseAt, leaseUntilMs);
    return true;
  }

  async listDue(now: string, limit: number): Promise<DueRelease[]> {
    return [...this.versions.values()]
      .flat()
      .filter((v) => v.hold?.kind === 'embargo' && isHeld(v) && v.hold.until <= now)
      .sort((a, b) => ((a.hold as { until: string }).until < (b.hold as { until: string }).until ? -1 : 1))
      .slice(0, limit)
      .map((v) => ({ itemId: v.itemId, version: v.version }));
  }
}

function publicationOf(v: Publication): Publication {
  return {
    ...(v.hold === undefined ? {} : { hold: v.hold }),
    ...(v.publicBefore === undefined ? {} : { publicBefore: v.publicBefore }),
    ...(v.releasedAt === undefined ? {} : { releasedAt: v.releasedAt }),
    ...(v.supersededAt === undefined ? {} : { supersededAt: v.supersededAt }),
  };
}
