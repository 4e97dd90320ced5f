import { randomBytes } from 'node:crypto';
import type { SigningSecret } from './model';

/** Standard Webhooks symmetric secret: `whsec_` + base64 of 32 random bytes (256 bits, the HMAC-SHA256 block). */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The secrets that sign at `now`: the current one and any retired one still inside its rotation window. */
export function activeSecrets(secrets: readonly SigningSecret[], now: Date): SigningSecret[] {
  return secrets.filter((s) => s.retiresAt === undefined || Date.parse(s.retiresAt) > now.getTime());
}
