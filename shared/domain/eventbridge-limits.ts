/**
 * EventBridge PutEvents limits and the documented entry-size formula
 * ("Calculating Amazon EventBridge PutEvents event entry size"): Time counts 14 bytes when given;
 * Source, DetailType, Detail and each Resource count their UTF-8 bytes. Nothing else counts.
 */

/** Largest PutEvents entry (and largest sum of entries in one request): 256 KB. */
export const MAX_ENTRY_BYTES = 262_144;
/** Most entries one PutEvents request accepts. */
export const MAX_ENTRIES_PER_PUT = 10;

export interface PutEventsEntryShape {
  Time?: Date | string;
  Source: string;
  DetailType: string;
  Detail: string;
  Resources?: string[];
}

const TIME_BYTES = 14;

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export function putEventsEntrySize(entry: PutEventsEntryShape): number {
  let size = entry.Time === undefined ? 0 : TIME_BYTES;
  size += utf8Bytes(entry.Source) + utf8Bytes(entry.DetailType) + utf8Bytes(entry.Detail);
  for (const resource of entry.Resources ?? []) size += utf8Bytes(resource);
  return size;
}
