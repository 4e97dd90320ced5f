import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHashOf, prepareSubmission } from '#shared/domain/ingest/index.ts';
import { submit, submitJson, validItem } from './support';

const seed = readFileSync(new URL('../../fixtures/seed/kuwait-belgium-call.ar.txt', import.meta.url), 'utf8');

describe('the seed article', () => {
  const headline = seed.split('\n')[0]!;
  const item = {
    uri: 'urn:diplowire:seed:kuwait-belgium-call',
    language: 'ar',
    headlines: [{ value: headline }],
    bodies: [{ role: 'main', contenttype: 'text/plain', value: seed }],
  };

  it('is already NFC, so normalisation must be a no-op for it', () => {
    expect(seed.normalize('NFC')).toBe(seed);
  });

  it('comes back with the body value byte for byte, as JSON text', () => {
    const prepared = submitJson(JSON.stringify(item), 'application/json; charset=utf-8');
    const value = prepared.document.bodies?.[0]?.value ?? '';
    expect(Buffer.from(value, 'utf8').equals(Buffer.from(seed, 'utf8'))).toBe(true);
    expect(prepared.document.headlines?.[0]?.value).toBe(headline);
    expect(prepared.warnings).toEqual([]);
  });

  it('comes back byte for byte when API Gateway base64-encodes the body', () => {
    const prepared = prepareSubmission({
      body: Buffer.from(JSON.stringify(item), 'utf8').toString('base64'),
      isBase64Encoded: true,
      contentType: 'application/ninjs+json',
    });
    const value = prepared.document.bodies?.[0]?.value ?? '';
    expect(
      Buffer.from(value, 'utf8').equals(
        readFileSync(new URL('../../fixtures/seed/kuwait-belgium-call.ar.txt', import.meta.url)),
      ),
    ).toBe(true);
    expect(JSON.stringify(prepared.document)).toBe(JSON.stringify(item));
  });
});

describe('member order and content hash', () => {
  const original = validItem({ subjects: [{ name: 'Diplomacy', uri: 'http://cv.example/diplomacy' }] });
  const reordered = {
    subjects: [{ uri: 'http://cv.example/diplomacy', name: 'Diplomacy' }],
    bodies: original.bodies,
    headlines: original.headlines,
    language: original.language,
    uri: original.uri,
  };

  it('keeps the member order the partner sent', () => {
    expect(Object.keys(submit(reordered).document)).toEqual([
      'subjects',
      'bodies',
      'headlines',
      'language',
      'uri',
    ]);
    expect(Object.keys(submit(original).document)).toEqual([
      'uri',
      'language',
      'headlines',
      'bodies',
      'subjects',
    ]);
  });

  it('hashes two documents that differ only in member order equally', () => {
    expect(submit(reordered).contentHash).toBe(submit(original).contentHash);
  });

  it('is the SHA-256 of the canonical JSON, members sorted at every level', () => {
    const prepared = submit(reordered);
    const canonical =
      '{"bodies":[{"value":"نص الخبر"}],"headlines":[{"value":"عنوان الخبر"}],"language":"ar",' +
      '"subjects":[{"name":"Diplomacy","uri":"http://cv.example/diplomacy"}],"uri":"urn:diplowire:test:item-1"}';
    expect(canonicalJson(prepared.document)).toBe(canonical);
    expect(prepared.contentHash).toBe(createHash('sha256').update(canonical, 'utf8').digest('hex'));
  });

  it('hashes the normalised document: NFC and NFD spellings of a field hash equally', () => {
    const nfc = submit(validItem({ by: 'Caf\u00e9' }));
    const nfd = submit(validItem({ by: 'Cafe\u0301' }));
    expect(nfd.contentHash).toBe(nfc.contentHash);
  });

  it('changes with any change of content, including array order', () => {
    const base = submit(validItem()).contentHash;
    expect(submit(validItem({ by: 'x' })).contentHash).not.toBe(base);
    const twoBodies = (first: string, second: string) =>
      validItem({ bodies: [{ value: first }, { value: second }] });
    expect(submit(twoBodies('a', 'b')).contentHash).not.toBe(submit(twoBodies('b', 'a')).contentHash);
  });

  it('canonicalises scalars as JSON does', () => {
    expect(canonicalJson({ b: [1.5, true, null], a: 'x"y' })).toBe('{"a":"x\\"y","b":[1.5,true,null]}');
    expect(contentHashOf({ b: 1, a: 2 })).toBe(contentHashOf({ a: 2, b: 1 }));
  });
});
