import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, isApiKeyFormat, parseBearer } from '#shared/domain/api-keys.ts';

describe('generateApiKey', () => {
  it('makes dwk_ + base64url of 32 bytes, with its sha256 hex and a 12-char prefix', () => {
    const { apiKey, keyHash, keyPrefix } = generateApiKey();

    expect(apiKey).toMatch(/^dwk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(apiKey.slice(4), 'base64url')).toHaveLength(32);
    expect(keyHash).toBe(createHash('sha256').update(apiKey).digest('hex'));
    expect(keyPrefix).toBe(apiKey.slice(0, 12));
    expect(keyPrefix.startsWith('dwk_')).toBe(true);
  });

  it('never repeats a key', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().apiKey));
    expect(keys.size).toBe(200);
  });
});

describe('hashApiKey', () => {
  it('is the lowercase sha256 hex of the key', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('parseBearer', () => {
  const key = generateApiKey().apiKey;

  it.each([`Bearer ${key}`, `bearer ${key}`, `BEARER ${key}`, `  Bearer   ${key}  `])(
    'accepts %j',
    (header) => {
      expect(parseBearer(header)).toBe(key);
    },
  );

  it.each([
    ['no header', undefined],
    ['empty', ''],
    ['scheme only', 'Bearer'],
    ['key without scheme', key],
    ['another scheme', `Basic ${key}`],
    ['two tokens', `Bearer ${key} ${key}`],
    ['tab inside the token', `Bearer ${key.slice(0, 10)}\t${key.slice(10)}`],
    ['wrong key prefix', `Bearer dwx_${key.slice(4)}`],
    ['key too short', `Bearer ${key.slice(0, -1)}`],
    ['key too long', `Bearer ${key}A`],
    ['padding', `Bearer ${key.slice(0, -1)}=`],
    ['standard base64 alphabet', `Bearer ${key.slice(0, -1)}+`],
  ])('rejects %s', (_, header) => {
    expect(parseBearer(header)).toBeUndefined();
  });
});

describe('isApiKeyFormat', () => {
  it('accepts generated keys and rejects prefixes or hashes', () => {
    const { apiKey, keyHash, keyPrefix } = generateApiKey();
    expect(isApiKeyFormat(apiKey)).toBe(true);
    expect(isApiKeyFormat(keyPrefix)).toBe(false);
    expect(isApiKeyFormat(keyHash)).toBe(false);
  });
});
