import type { ItemReceipt, VersionList } from '../../contracts/api/schemas';
import type { ItemVersion, VersionSummary, Warning } from '../../domain/item';

/** The API's views of items; shapes are fixed by shared/contracts/api/schemas.ts. */

export const itemPath = (itemId: string): string => `/v1/items/${itemId}`;
export const versionsPath = (itemId: string): string => `${itemPath(itemId)}/versions`;
export const versionPath = (itemId: string, version: number): string => `${versionsPath(itemId)}/${version}`;

export function itemReceipt(version: ItemVersion, warnings: Warning[] = []): ItemReceipt {
  return {
    id: version.itemId,
    uri: version.uri,
    version: version.version,
    pubstatus: version.pubstatus,
    receivedAt: version.receivedAt,
    warnings,
    links: { self: itemPath(version.itemId), versions: versionsPath(version.itemId) },
  };
}

export function versionList(itemId: string, versions: VersionSummary[]): VersionList {
  return {
    itemId,
    versions: versions.map(({ version, pubstatus, receivedAt }) => ({
      version,
      pubstatus,
      receivedAt,
      links: { self: versionPath(itemId, version) },
    })),
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
