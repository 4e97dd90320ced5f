import { fullFormats as ajvFullFormats } from 'ajv-formats/dist/formats';
import { describe, expect, it } from 'vitest';
import { fullFormats } from '#shared/contracts/formats.ts';
import { seededRandom } from './geojson-corpus';

/** shared/contracts/formats.ts is a copy of two ajv-formats formats: it must agree with the original. */

const official = {
  dateTime: (ajvFullFormats['date-time'] as { validate: (value: string) => boolean }).validate,
  uri: ajvFullFormats.uri as (value: string) => boolean,
};

const DATE_TIMES = [
  '2024-05-10T16:02:28Z',
  '2024-05-10t16:02:28z',
  '2024-05-10 16:02:28+02:00',
  '2024-05-10T16:02:28.123456+0530',
  '2024-02-29T10:00:00Z',
  '2023-02-29T10:00:00Z',
  '2024-02-30T10:00:00Z',
  '2024-13-01T00:00:00Z',
  '2024-00-10T00:00:00Z',
  '2024-05-10T16:02:28',
  '2024-05-10T24:00:00Z',
  '2016-12-31T23:59:60Z',
  '2016-12-31T15:59:60-08:00',
  '2016-12-31T23:59:60+01:00',
  '2024-05-10T16:02:28+24:00',
  '2024-05-10T16:02:28+02:60',
  '2024-05-10',
  'T16:02:28Z',
  '',
  '2024-05-10TT16:02:28Z',
];

const URIS = [
  'https://example.com/a?b=c#d',
  'urn:partner:story:1',
  'mailto:desk@example.org',
  'http://[2001:db8::1]:8080/path',
  'http://192.168.0.1/',
  'https://user:pw@example.com',
  'relative/path',
  '/absolute/path',
  'no-scheme',
  'http://exa mple.com',
  'https://example.com/%zz',
  'https://example.com/%41',
  '1http://example.com',
  'tag:example.com,2024:story',
  'http:',
  '',
];

function randomStrings(alphabet: string, count: number, seed: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const length = 1 + Math.floor(random() * 30);
    return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  });
}

/** Valid-looking strings with one character replaced: they probe every branch of the checks. */
function mutants(samples: string[], alphabet: string, count: number, seed: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const sample = samples[index % samples.length]!;
    if (sample.length === 0) return sample;
    const at = Math.floor(random() * sample.length);
    return sample.slice(0, at) + alphabet[Math.floor(random() * alphabet.length)] + sample.slice(at + 1);
  });
}

describe('vendored ajv-formats formats', () => {
  it('date-time gives the ajv-formats verdict on edge cases and 3000 seeded variants', () => {
    const alphabet = '0123456789-:.TtZz+ ';
    const corpus = [
      ...DATE_TIMES,
      ...mutants(DATE_TIMES, alphabet, 2000, 1),
      ...randomStrings(alphabet, 1000, 2),
    ];
    const verdicts = corpus.map(official.dateTime);
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(100);
    expect(verdicts.filter((valid) => !valid).length).toBeGreaterThan(100);
    const differences = corpus.filter(
      (value, index) => fullFormats['date-time'].validate(value) !== verdicts[index],
    );
    expect(differences).toEqual([]);
  });

  it('uri gives the ajv-formats verdict on edge cases and 3000 seeded variants', () => {
    const alphabet = 'ab1:/?#[]@!$&()*+,;=%-._~ 9fF';
    const corpus = [...URIS, ...mutants(URIS, alphabet, 2000, 3), ...randomStrings(alphabet, 1000, 4)];
    const verdicts = corpus.map(official.uri);
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(100);
    expect(verdicts.filter((valid) => !valid).length).toBeGreaterThan(100);
    const differences = corpus.filter((value, index) => fullFormats.uri(value) !== verdicts[index]);
    expect(differences).toEqual([]);
  });
});
