import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { sign, signatureHeader, webhookHeaders } from '#shared/adapters/webhooks/signing.ts';
import { deliveryIdOf, isDeliveryId } from '#shared/domain/webhooks/delivery-id.ts';
import { activeSecrets, newSigningSecret } from '#shared/domain/webhooks/secrets.ts';

const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/standard-webhooks/test-vectors.json', import.meta.url), 'utf8'),
) as {
  symmetric_v1: {
    secret: string;
    msg_id: string;
    timestamp: number;
    payload: string;
    expected_signature_header: string;
  }[];
};

describe('Standard Webhooks signatures', () => {
  it.each(vectors.symmetric_v1)('reproduces the test vector for $msg_id', (vector) => {
    const at = new Date(vector.timestamp * 1000);
    expect(signatureHeader([vector.secret], vector.msg_id, at, vector.payload)).toBe(
      vector.expected_signature_header,
    );
  });

  it('signs what the standardwebhooks verifier accepts, and a tampered body is refused', () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const payload = JSON.stringify({
      type: 'NewsItemPublished',
      timestamp: '2026-01-01T00:00:00Z',
      data: { a: 1 },
    });
    const headers = webhookHeaders([secret], 'msg_abc', new Date(), payload);
    expect(new Webhook(secret).verify(payload, headers)).toEqual(JSON.parse(payload));
    expect(() => new Webhook(secret).verify(`${payload} `, headers)).toThrow(/No matching signature/);
  });

  it('signs exactly as the standardwebhooks reference library for any secret, id, time and payload', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.boolean(),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.string({ unit: 'binary', maxLength: 300 }),
        (key, prefixed, msgId, ms, payload) => {
          const secret = `${prefixed ? 'whsec_' : ''}${Buffer.from(key).toString('base64')}`;
          const at = new Date(ms);
          expect(sign(secret, msgId, at, payload)).toBe(new Webhook(secret).sign(msgId, at, payload));
        },
      ),
    );
  });

  it('refuses a secret the reference library refuses: not base64, or empty', () => {
    for (const secret of ['whsec_not base64!', 'whsec_abc', 'whsec_', '']) {
      expect(() => new Webhook(secret)).toThrow();
      expect(() => sign(secret, 'msg_1', new Date(), '{}')).toThrow(RangeError);
    }
  });

  it('during a rotation both secrets sign and either verifies; a third does not', () => {
    const [current, previous] = [newSigningSecret(), newSigningSecret()];
    const headers = webhookHeaders([current, previous], 'msg_rot', new Date(), '{"x":1}');
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify('{"x":1}', headers)).toEqual({ x: 1 });
    expect(new Webhook(previous).verify('{"x":1}', headers)).toEqual({ x: 1 });
    expect(() => new Webhook(newSigningSecret()).verify('{"x":1}', headers)).toThrow();
  });

  it('keeps a retired secret only until its rotation window ends', () => {
    const now = new Date('2026-01-02T00:00:00Z');
    const secrets = [
      { secret: 'whsec_bmV3', createdAt: '2026-01-01T00:00:00Z' },
      { secret: 'whsec_b2xk', createdAt: '2025-12-01T00:00:00Z', retiresAt: '2026-01-02T00:00:01Z' },
      { secret: 'whsec_b2xkZXI=', createdAt: '2025-11-01T00:00:00Z', retiresAt: '2026-01-01T23:59:59Z' },
    ];
    expect(activeSecrets(secrets, now).map((s) => s.secret)).toEqual(['whsec_bmV3', 'whsec_b2xk']);
  });

  it('derives one stable webhook-id per (event, subscription)', () => {
    const id = deliveryIdOf('evt-1', 'sub_1');
    expect(isDeliveryId(id)).toBe(true);
    expect(deliveryIdOf('evt-1', 'sub_1')).toBe(id);
    expect(deliveryIdOf('evt-1', 'sub_2')).not.toBe(id);
    expect(deliveryIdOf('evt-2', 'sub_1')).not.toBe(id);
  });
});
