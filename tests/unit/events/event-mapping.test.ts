import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { NewsItemDetailV1 } from '#shared/contracts/events/index.ts';
import { MAX_ENTRY_BYTES, putEventsEntrySize } from '#shared/domain/eventbridge-limits.ts';
import { EventTooLargeError, eventIdOf, headlineOf, toNewsItemEvent } from '#shared/domain/events.ts';
import type { ItemVersion, NinjsDocument } from '#shared/domain/item.ts';

const ITEM_ID = 'itm_01JD8X5Q2W3E4R5T6Y7U8I9O0P';
const PARTNER_ID = 'ptn_01JD8X0000KUNAKUNA00000000';
const seedArabic = readFileSync(
  join(import.meta.dirname, '../../fixtures/seed/kuwait-belgium-call.ar.txt'),
  'utf8',
);
/** Computed once with an independent script; must never change, or subscribers would see new ids for old versions. */
const GOLDEN_EVENT_ID = '06a73695-0e3d-8e98-8fcc-bc6d43db4a62';
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

function versionOf(overrides: Partial<ItemVersion> = {}, document: Partial<NinjsDocument> = {}): ItemVersion {
  return {
    itemId: ITEM_ID,
    version: 1,
    partnerId: PARTNER_ID,
    uri: 'urn:kuna:2024:diplomacy:kuwait-belgium-call',
    language: 'ar',
    pubstatus: 'usable',
    receivedAt: '2024-11-28T09:15:02.123Z',
    contentHash: 'a'.repeat(64),
    ...overrides,
    document: {
      uri: 'urn:kuna:2024:diplomacy:kuwait-belgium-call',
      language: 'ar',
      headlines: [{ role: 'main', value: 'الكويت وبلجيكا تبحثان العلاقات الثنائية' }],
      bodies: [{ role: 'main', contenttype: 'text/plain', charcount: 12, wordcount: 2, value: seedArabic }],
      ...document,
    },
  };
}

function entrySizeOf(event: ReturnType<typeof toNewsItemEvent>): number {
  return putEventsEntrySize({
    Source: event.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
  });
}

describe('toNewsItemEvent', () => {
  it('maps version 1 to NewsItemPublished with the full detail', () => {
    const version = versionOf(
      {},
      {
        places: [{ name: 'Kuwait', code: 'KW', rel: 'about' }, { uri: 'http://cvx.iptc.org/iso3166-1a2/be' }],
        subjects: [{ uri: 'http://cv.iptc.org/newscodes/mediatopic/20000621', name: 'diplomacy' }],
      },
    );
    expect(toNewsItemEvent(version)).toEqual({
      source: 'diplowire.items',
      detailType: 'NewsItemPublished',
      detail: {
        schemaVersion: '1',
        eventId: eventIdOf(ITEM_ID, 1),
        itemId: ITEM_ID,
        version: 1,
        partnerId: PARTNER_ID,
        uri: 'urn:kuna:2024:diplomacy:kuwait-belgium-call',
        language: 'ar',
        headline: 'الكويت وبلجيكا تبحثان العلاقات الثنائية',
        places: ['KW', 'http://cvx.iptc.org/iso3166-1a2/be'],
        subjects: ['http://cv.iptc.org/newscodes/mediatopic/20000621'],
        pubstatus: 'usable',
        receivedAt: '2024-11-28T09:15:02.123Z',
        contentHash: 'a'.repeat(64),
        // charcount/wordcount are not part of the event contract
        bodies: [{ role: 'main', contenttype: 'text/plain', value: seedArabic }],
        // Public on acceptance: public since it was received.
        releasedAt: '2024-11-28T09:15:02.123Z',
      },
    });
  });

  it.each([
    [2, 'usable', 'NewsItemCorrected'],
    [3, 'withheld', 'NewsItemCorrected'],
    [4, 'canceled', 'NewsItemRetracted'],
    [1, 'canceled', 'NewsItemRetracted'],
    [1, 'withheld', 'NewsItemPublished'],
  ] as const)('maps version %i with pubstatus %s to %s', (n, pubstatus, detailType) => {
    const event = toNewsItemEvent(versionOf({ version: n, pubstatus }));
    expect(event.detailType).toBe(detailType);
    expect(event.detail).toMatchObject({ version: n, pubstatus, eventId: eventIdOf(ITEM_ID, n) });
  });

  it('omits places and subjects when the document has none with a code, uri or name', () => {
    const none = toNewsItemEvent(versionOf());
    expect(none.detail).not.toHaveProperty('places');
    expect(none.detail).not.toHaveProperty('subjects');
    const unnamed = toNewsItemEvent(versionOf({}, { places: [{ rel: 'mentions' }], subjects: [] }));
    expect(unnamed.detail).not.toHaveProperty('places');
    expect(unnamed.detail).not.toHaveProperty('subjects');
  });

  it('prefers code, then uri, then name for each place and subject, skipping empty ones', () => {
    const event = toNewsItemEvent(
      versionOf(
        {},
        {
          places: [{ name: 'Grossetto' }, { code: '', uri: 'http://www.geonames.org/3175785' }, { rel: 'x' }],
          subjects: [{ code: 'medtop:20000621', uri: 'http://cv.iptc.org/x', name: 'diplomacy' }],
        },
      ),
    );
    expect(event.detail.places).toEqual(['Grossetto', 'http://www.geonames.org/3175785']);
    expect(event.detail.subjects).toEqual(['medtop:20000621']);
  });

  it('keeps body roles and content types only where present', () => {
    const event = toNewsItemEvent(
      versionOf({}, { bodies: [{ value: 'نص' }, { role: 'summary', value: 'ملخص' }] }),
    );
    expect(event.detail.bodies).toEqual([{ value: 'نص' }, { role: 'summary', value: 'ملخص' }]);
    expect(toNewsItemEvent(versionOf({}, { bodies: undefined })).detail.bodies).toEqual([]);
  });

  it('produces details that the committed JSON Schema accepts, in both body forms', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    const schemaPath = join(
      import.meta.dirname,
      '../../../shared/contracts/events/schemas/NewsItemCorrected.v1.json',
    );
    const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
    const inline = toNewsItemEvent(versionOf({ version: 2 }, { places: [{ code: 'KW' }] }));
    const huge = toNewsItemEvent(
      versionOf({ version: 2 }, { bodies: [{ value: 'x'.repeat(MAX_ENTRY_BYTES) }] }),
    );
    expect(validate(inline.detail), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(huge.detail), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...inline.detail, bodyRef: huge.detail.bodyRef })).toBe(false);
  });
});

describe('headlineOf', () => {
  it('takes the first non-empty headline value', () => {
    expect(
      headlineOf({
        uri: 'u',
        language: 'ar',
        title: 'عنوان',
        headlines: [{ value: '' }, { value: '  ' }, { role: 'sub', value: 'الثاني' }, { value: 'الثالث' }],
      }),
    ).toBe('الثاني');
  });

  it('falls back to the title, then to the empty string', () => {
    expect(headlineOf({ uri: 'u', language: 'ar', title: 'عنوان', headlines: [{ value: '' }] })).toBe(
      'عنوان',
    );
    expect(headlineOf({ uri: 'u', language: 'ar' })).toBe('');
  });
});

describe('eventIdOf', () => {
  it('is a UUIDv8 (RFC 9562 variant) string', () => {
    expect(eventIdOf(ITEM_ID, 1)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('is the SHA-256 of "<itemId>:<version>" with only the version and variant bits overwritten', () => {
    const digest = createHash('sha256').update(`${ITEM_ID}:7`).digest('hex');
    const id = eventIdOf(ITEM_ID, 7).replaceAll('-', '');
    const kept = (hex: string) => hex.slice(0, 12) + hex.slice(13, 16) + hex.slice(17, 32);
    expect(kept(id)).toBe(kept(digest.slice(0, 32)));
    expect(Number.parseInt(id[16]!, 16) & 0b1100).toBe(0b1000);
    expect(Number.parseInt(digest[16]!, 16) & 0b0011).toBe(Number.parseInt(id[16]!, 16) & 0b0011);
  });

  it('is deterministic and differs per version and per item', () => {
    expect(eventIdOf(ITEM_ID, 3)).toBe(eventIdOf(ITEM_ID, 3));
    expect(
      new Set([eventIdOf(ITEM_ID, 1), eventIdOf(ITEM_ID, 2), eventIdOf(`${ITEM_ID.slice(0, -1)}Q`, 1)]).size,
    ).toBe(3);
  });

  it('never changes across releases (subscribers deduplicate on it)', () => {
    expect(eventIdOf('itm_01JD8X5Q2W3E4R5T6Y7U8I9O0P', 1)).toBe(GOLDEN_EVENT_ID);
  });
});

describe('bodyRef switch at the EventBridge entry limit', () => {
  /** A version whose bodies-inline entry is exactly `target` bytes, filled with Arabic (2-byte) letters. */
  function versionWithEntryBytes(target: number): ItemVersion {
    const empty = versionOf({ version: 2 }, { bodies: [{ role: 'main', value: '' }] });
    const fill = target - entrySizeOf(toNewsItemEvent(empty));
    const arabic = seedArabic.replace(/[^\u0621-\u064A]/g, '');
    const letters = Math.floor(fill / 2);
    let value = arabic.repeat(Math.ceil(letters / arabic.length)).slice(0, letters);
    if (fill % 2 === 1) value += ' ';
    expect(bytes(value)).toBe(fill);
    return versionOf({ version: 2 }, { bodies: [{ role: 'main', value }] });
  }

  it('keeps the bodies inline when the entry is exactly 262144 bytes', () => {
    const version = versionWithEntryBytes(MAX_ENTRY_BYTES);
    const event = toNewsItemEvent(version);
    expect(event.detail.bodyRef).toBeUndefined();
    expect(event.detail.bodies?.[0]?.value).toBe(version.document.bodies?.[0]?.value);
    expect(entrySizeOf(event)).toBe(MAX_ENTRY_BYTES);
    // UTF-16 length is about half the byte count: counting characters would have been wrong.
    expect(JSON.stringify(event.detail).length).toBeLessThan(MAX_ENTRY_BYTES * 0.6);
  });

  it('switches to bodyRef one byte over the limit', () => {
    const version = versionWithEntryBytes(MAX_ENTRY_BYTES + 1);
    const event = toNewsItemEvent(version);
    expect(event.detail.bodies).toBeUndefined();
    expect(event.detail.bodyRef).toEqual({
      href: `/v1/items/${ITEM_ID}/versions/2`,
      bytes: bytes(JSON.stringify(version.document)),
    });
    expect(event.detail).toMatchObject({ headline: 'الكويت وبلجيكا تبحثان العلاقات الثنائية', version: 2 });
    expect(entrySizeOf(event)).toBeLessThan(2_000);
  });

  it('publishes an abridged event when even the bodyRef form is too large (places and subjects fill the item)', () => {
    // What NFC normalisation can make of a ~100 KB submission: place and subject codes that triple in UTF-8.
    const code = (i: number) => `${i}-${'\u0958'.normalize('NFC').repeat(400)}`;
    const places = Array.from({ length: 200 }, (_, i) => ({ code: code(i) }));
    const subjects = Array.from({ length: 200 }, (_, i) => ({ code: code(i) }));
    const version = versionOf({ version: 3 }, { places, subjects });
    const event = toNewsItemEvent(version);
    expect(entrySizeOf(event)).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
    expect(event.detail).toMatchObject({
      itemId: ITEM_ID,
      version: 3,
      headline: 'الكويت وبلجيكا تبحثان العلاقات الثنائية',
      bodyRef: { href: `/v1/items/${ITEM_ID}/versions/3` },
      abridged: ['places', 'subjects'],
    });
    expect(event.detail.places).toBeUndefined();
    expect(event.detail.subjects).toBeUndefined();
    expect(NewsItemDetailV1.safeParse(event.detail).success).toBe(true);
  });

  it('cuts an oversized headline on a grapheme boundary in the abridged event and says so', () => {
    const version = versionOf({}, { headlines: [{ value: 'ع\u0651'.repeat(MAX_ENTRY_BYTES / 4) }] });
    const event = toNewsItemEvent(version);
    expect(entrySizeOf(event)).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
    expect(event.detail.abridged).toEqual(['headline']);
    expect(bytes(event.detail.headline)).toBeLessThanOrEqual(1000);
    expect(event.detail.headline).toBe('ع\u0651'.repeat(250));
    expect(NewsItemDetailV1.safeParse(event.detail).success).toBe(true);
  });

  it('still refuses (EventTooLargeError) a version that broke the ingest limits on uri', () => {
    const version = versionOf({ uri: `urn:x:${'a'.repeat(MAX_ENTRY_BYTES)}` });
    expect(() => toNewsItemEvent(version)).toThrow(EventTooLargeError);
  });
});

describe('putEventsEntrySize', () => {
  it('counts UTF-8 bytes of Source, DetailType, Detail and each Resource, and 14 bytes for Time', () => {
    const entry = { Source: 'a', DetailType: 'ب', Detail: '{"x":"€"}', Resources: ['r1', 'ر', '😀'] };
    // 1 + 2 + (8 + 3) + (2 + 2 + 4)
    expect(putEventsEntrySize(entry)).toBe(22);
    expect(putEventsEntrySize({ ...entry, Time: new Date() })).toBe(36);
    expect(
      putEventsEntrySize({ Source: 'diplowire.items', DetailType: 'NewsItemPublished', Detail: '{}' }),
    ).toBe(34);
  });
});
