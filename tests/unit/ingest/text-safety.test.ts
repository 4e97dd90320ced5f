import { describe, expect, it } from 'vitest';
import { prepareDocument } from '#shared/domain/ingest/index.ts';
import { fieldErrorsOf, submit, submitJson, validItem } from './support';

const RLO = '\u202E';
const LRM = '\u200E';
const RLM = '\u200F';
const ALM = '\u061C';
const ALL_BIDI_CONTROLS = [
  '\u202A',
  '\u202B',
  '\u202C',
  '\u202D',
  '\u202E',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
];

describe('characters refused anywhere', () => {
  it('refuses a lone surrogate that JSON.parse produces from a "\\ud800" escape', () => {
    const json = JSON.stringify(validItem({ by: 'PLACEHOLDER' })).replace('PLACEHOLDER', 'a\\ud800b');
    expect(fieldErrorsOf(() => submitJson(json))).toEqual([
      { pointer: '/by', message: expect.stringContaining('lone UTF-16 surrogate') },
    ]);
  });

  it('refuses a lone low surrogate and accepts a proper pair', () => {
    const lowFirst = JSON.stringify(validItem({ by: 'X' })).replace('"X"', '"\\udc00\\ud83d"');
    expect(fieldErrorsOf(() => submitJson(lowFirst))).toEqual([
      { pointer: '/by', message: expect.stringContaining('lone UTF-16 surrogate') },
    ]);
    const pair = JSON.stringify(validItem({ by: 'X' })).replace('"X"', '"\\ud83d\\udcf0"');
    expect(submitJson(pair).document.by).toBe('📰');
  });

  it('refuses NUL in a nested value, with a pointer to it', () => {
    const item = validItem({ bodies: [{ value: 'ok' }, { value: 'bad\u0000text' }] });
    expect(fieldErrorsOf(() => submit(item))).toEqual([
      { pointer: '/bodies/1/value', message: expect.stringContaining('NUL') },
    ]);
  });

  it('refuses U+FEFF inside text, not only at the start', () => {
    const item = validItem({ headlines: [{ value: 'عنوان\uFEFFالخبر' }] });
    expect(fieldErrorsOf(() => submit(item))).toEqual([
      { pointer: '/headlines/0/value', message: expect.stringContaining('U+FEFF') },
    ]);
  });

  it('checks member names too, escaping the pointer', () => {
    const item = validItem({ rightsinfo: { encodedrights: 'x', 'a/b\u0000': 'y' } });
    expect(fieldErrorsOf(() => submit(item))).toEqual([
      { pointer: '/rightsinfo/a~1b\u0000', message: expect.stringContaining('member name contains the NUL') },
    ]);
  });

  it('reports every offending field at once', () => {
    const item = validItem({ by: 'a\u0000', located: '\uFEFF' });
    expect(fieldErrorsOf(() => submit(item)).map((error) => error.pointer)).toEqual(['/by', '/located']);
  });
});

describe('bidirectional controls', () => {
  it('removes an RLO from a headline and warns once for that field', () => {
    const prepared = submit(validItem({ headlines: [{ value: `Breaking ${RLO}txet desrever` }] }));
    expect(prepared.document.headlines?.[0]?.value).toBe('Breaking txet desrever');
    expect(prepared.warnings).toEqual([
      {
        pointer: '/headlines/0/value',
        code: 'bidi-control-removed',
        message: expect.stringContaining('removed 1 '),
      },
    ]);
  });

  it('removes every embedding, override and isolate, counting them per field', () => {
    const prepared = submit(validItem({ by: `a${ALL_BIDI_CONTROLS.join('')}b`, located: `${RLO}x${RLO}` }));
    expect(prepared.document.by).toBe('ab');
    expect(prepared.document.located).toBe('x');
    expect(
      prepared.warnings.map(({ pointer, message }) => [pointer, message.match(/removed (\d+)/)?.[1]]),
    ).toEqual([
      ['/by', '9'],
      ['/located', '2'],
    ]);
  });

  it('keeps LRM, RLM and ALM, which mixed Arabic/Latin text needs', () => {
    const headline = `قال ${RLM}NATO${LRM} اليوم ${ALM}١٢`;
    const prepared = submit(validItem({ headlines: [{ value: headline }] }));
    expect(prepared.document.headlines?.[0]?.value).toBe(headline);
    expect(prepared.warnings).toEqual([]);
  });

  it('refuses a bidi control in the top-level uri', () => {
    expect(fieldErrorsOf(() => submit(validItem({ uri: `urn:x:${RLO}1` })))).toEqual([
      { pointer: '/uri', message: expect.stringContaining('bidirectional control') },
    ]);
  });

  it('refuses a bidi control in any nested uri member', () => {
    const item = validItem({ subjects: [{ name: 'Diplomacy', uri: `http://cv.example/${'\u2067'}x` }] });
    expect(fieldErrorsOf(() => submit(item))).toEqual([
      { pointer: '/subjects/0/uri', message: expect.stringContaining('bidirectional control') },
    ]);
  });
});

describe('Unicode normalisation', () => {
  it('normalises every string value to NFC', () => {
    const decomposed = 'Cafe\u0301 in Mu\u0308nchen';
    const prepared = submit(validItem({ by: decomposed, subjects: [{ name: decomposed }] }));
    expect(prepared.document.by).toBe('Café in München'.normalize('NFC'));
    expect(prepared.document.subjects?.[0]?.name).toBe('Café in München'.normalize('NFC'));
    expect(prepared.warnings).toEqual([]);
  });

  it('removes bidi controls before normalising, so a hidden control cannot block composition', () => {
    const prepared = submit(validItem({ by: `e${RLO}\u0301` }));
    expect(prepared.document.by).toBe('é');
  });

  it('leaves member names as sent (normalising them could merge two members)', () => {
    const prepared = prepareDocument(validItem({ rightsinfo: { encodedrights: 'x', 'nai\u0308ve': 1 } }));
    expect(Object.keys(prepared.document.rightsinfo as object)).toEqual(['encodedrights', 'nai\u0308ve']);
  });

  it('keeps a member named __proto__ as a plain member', () => {
    const json = JSON.stringify(validItem({ rightsinfo: { encodedrights: 'x' } })).replace(
      '"encodedrights":"x"',
      '"encodedrights":"x","__proto__":{"polluted":true}',
    );
    const rightsinfo = submitJson(json).document.rightsinfo as Record<string, unknown>;
    expect(Object.hasOwn(rightsinfo, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(rightsinfo)).toBe(Object.prototype);
    expect((rightsinfo as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
