import { describe, expect, it } from 'vitest';
import { isId, itemIdFor, newId } from '#shared/domain/ids.ts';
import { ItemsService } from '#shared/domain/items-service.ts';
import { InMemoryItemStore } from '../support/in-memory-item-store';

import { A, article, B, prepare, service } from '../support/items-service-setup';

describe('item ids', () => {
  it('derives the item id from (partner, uri): itm_ + 26 Crockford base32 characters of SHA-256', () => {
    // Golden values (computed independently with Python's hashlib and base32): the id is a
    // storage key, so it must never change.
    expect(itemIdFor('ptn_A', 'urn:partner-a:story:1')).toBe('itm_HM19P99Z97FMQBVRXFFBVGBAVB');
    expect(itemIdFor('ptn_01HZX3K0000000000000000000', 'https://example.com/news/2025/03/01/كويت#1')).toBe(
      'itm_YDVV822AY3HV0H5CMZJ1MG5F38',
    );
    const id = itemIdFor('ptn_A', 'urn:x');
    expect(isId(id, 'itm')).toBe(true);
    expect(isId(id, 'ptn')).toBe(false);
    expect(itemIdFor('ptn_A', 'urn:x')).toBe(id);
    expect(itemIdFor('ptn_B', 'urn:x')).not.toBe(id);
    expect(itemIdFor('ptn_A', 'urn:y')).not.toBe(id);
    // The separator keeps (partner, uri) pairs apart even when their concatenations agree.
    expect(itemIdFor('ptn_Aurn', ':x')).not.toBe(itemIdFor('ptn_A', 'urn:x'));
  });

  it('gives every submission of one uri by one partner the same item id, and lets tests override it', async () => {
    const first = await service.submit(A, prepare(article()));
    expect(first.version.itemId).toBe(itemIdFor('ptn_A', 'urn:partner-a:story:1'));
    expect((await service.submit(B, prepare(article()))).version.itemId).toBe(
      itemIdFor('ptn_B', 'urn:partner-a:story:1'),
    );

    const overridden = new ItemsService({ store: new InMemoryItemStore(), itemIdFor: () => 'itm_fixed' });
    expect((await overridden.submit(A, prepare(article()))).version.itemId).toBe('itm_fixed');
  });

  it('encodes the millisecond time first, so ids sort by creation time', () => {
    expect(newId('ptn', 0).slice(4, 14)).toBe('0000000000');
    expect(newId('ptn', 2 ** 48 - 1).slice(4, 14)).toBe('7ZZZZZZZZZ');
    const times = [1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_032, 1_800_000_000_000];
    const ids = times.map((t) => newId('itm', t));
    expect([...ids].sort()).toEqual(ids);
    expect(() => newId('itm', 2 ** 48)).toThrow(RangeError);
  });

  it('fills the last 80 bits at random', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('itm', 1_700_000_000_000)));
    expect(ids.size).toBe(1000);
  });
});
