import { itemPath, versionPath, versionsPath } from '../../contracts/api/paths';
import type { ItemList, ItemReceipt, VersionList } from '../../contracts/api/schemas';
import { type ReleaseView, releaseViewOf } from '../../domain/embargo';
import type { ItemVersion, Warning } from '../../domain/item';
import type { ItemListPage, VersionListPage } from '../../domain/items-read-service';

/** The API's views of items; shapes are fixed by shared/contracts/api/schemas.ts. */

export { itemPath, versionPath, versionsPath } from '../../contracts/api/paths';

/** A receipt is about the item's latest version (the one just written, or the unchanged head). */
export function itemReceipt(version: ItemVersion, warnings: Warning[] = []): ItemReceipt {
  return {
    id: version.itemId,
    uri: version.uri,
    version: version.version,
    pubstatus: version.pubstatus,
    receivedAt: version.receivedAt,
    release: releaseViewOf(version, true),
    warnings,
    links: { self: itemPath(version.itemId), versions: versionsPath(version.itemId) },
  };
}

export function versionList(itemId: string, page: VersionListPage): VersionList {
  return {
    itemId,
    versions: page.versions.map((summary) => ({
      version: summary.version,
      pubstatus: summary.pubstatus,
      receivedAt: summary.receivedAt,
      release: releaseViewOf(summary, summary.version === page.latestVersion),
      links: { self: versionPath(itemId, summary.version) },
    })),
    ...(page.cursor !== undefined && { cursor: page.cursor }),
  };
}

/**
 * The release state of a version as response headers of GET (whose body is the ninjs document
 * itself): `Diplowire-Release: held`, plus `Diplowire-Release-At` (the embargo time) and
 * `Diplowire-Released-At` when they apply. Only the owner ever reads a held version.
 */
export function releaseHeaders(view: ReleaseView): Record<string, string> {
  return {
    'Diplowire-Release': view.state,
    ...(view.releaseAt === undefined ? {} : { 'Diplowire-Release-At': view.releaseAt }),
    ...(view.releasedAt === undefined ? {} : { 'Diplowire-Released-At': view.releasedAt }),
  };
}

/**
 * The stored document as the response body. The store keeps the normalised document as the
 * JSON.stringify output of the parsed document, so stringifying the parsed value again yields
 * the same bytes (integration-tested with the seed article).
 */
export function documentBody(version: ItemVersion): string {
  return JSON.stringify(version.document);
}

/** A page of the caller's items (GET /v1/items). */
export function itemList(page: ItemListPage): ItemList {
  return {
    items: page.items.map(({ itemId, ...entry }) => ({
      id: itemId,
      ...entry,
      links: { self: itemPath(itemId), versions: versionsPath(itemId) },
    })),
    ...(page.cursor !== undefined && { cursor: page.cursor }),
  };
}
