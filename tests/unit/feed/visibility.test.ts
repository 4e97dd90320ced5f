import { describe, expect, it } from 'vitest';
import { type Entitlement, type FeedRecord, matchesFilters, maySee } from '#shared/domain/feed/model.ts';

const record = (overrides: Partial<FeedRecord> = {}): FeedRecord => ({
  seq: 1,
  eventId: 'e',
  type: 'NewsItemPublished',
  itemId: 'itm_1',
  version: 1,
  source: 'ptn_src',
  language: 'ar-KW',
  pubstatus: 'usable',
  uri: 'urn:x',
  headline: 'h',
  places: ['KWT'],
  subjects: ['medtop:11000000'],
  time: '2026-12-01T00:00:00.000Z',
  recordedAt: '2026-12-01T00:00:00.000Z',
  held: false,
  ...overrides,
});
const grant = (overrides: Partial<Entitlement> = {}): Entitlement => ({
  partnerId: 'ptn_c',
  sources: 'all',
  languages: 'all',
  embargoed: false,
  updatedAt: '',
  ...overrides,
});
const consumer = { partnerId: 'ptn_c', canReadFeed: true };

describe('maySee', () => {
  it('shows owners their own items, held ones included, whatever their scope', () => {
    expect(
      maySee(record({ source: 'ptn_c', held: true }), { partnerId: 'ptn_c', canReadFeed: false }, undefined),
    ).toBe(true);
  });

  it('needs feed:read and an entitlement for anything else', () => {
    expect(maySee(record(), { partnerId: 'ptn_c', canReadFeed: false }, grant())).toBe(false);
    expect(maySee(record(), consumer, undefined)).toBe(false);
    expect(maySee(record(), consumer, grant())).toBe(true);
  });

  it('applies every dimension of the entitlement', () => {
    expect(maySee(record(), consumer, grant({ sources: ['ptn_other'] }))).toBe(false);
    expect(maySee(record(), consumer, grant({ languages: ['ar'] }))).toBe(true);
    expect(maySee(record(), consumer, grant({ languages: ['en'] }))).toBe(false);
    expect(maySee(record(), consumer, grant({ types: ['NewsItemRetracted'] }))).toBe(false);
    expect(maySee(record(), consumer, grant({ places: ['BEL', 'KWT'] }))).toBe(true);
    expect(maySee(record(), consumer, grant({ places: ['BEL'] }))).toBe(false);
    expect(maySee(record(), consumer, grant({ subjects: ['medtop:01000000'] }))).toBe(false);
  });

  it('keeps held entries of others from consumers not entitled to embargoed content', () => {
    expect(maySee(record({ held: true }), consumer, grant())).toBe(false);
    expect(maySee(record({ held: true }), consumer, grant({ embargoed: true }))).toBe(true);
  });
});

describe('matchesFilters', () => {
  it('shows held entries only when asked', () => {
    expect(matchesFilters(record({ held: true }), {})).toBe(false);
    expect(matchesFilters(record({ held: true }), { held: true })).toBe(true);
  });

  it('narrows by language, source, type, place and subject', () => {
    expect(matchesFilters(record(), { languages: ['ar'], sources: ['ptn_src'], places: ['KWT'] })).toBe(true);
    expect(matchesFilters(record(), { languages: ['en'] })).toBe(false);
    expect(matchesFilters(record(), { types: ['NewsItemCorrected'] })).toBe(false);
    expect(matchesFilters(record(), { subjects: ['x'] })).toBe(false);
  });
});
