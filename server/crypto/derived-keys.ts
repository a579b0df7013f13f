// Secrets Latchkey derives from KEYS_ENCRYPTION_KEY rather than asking the operator for more:
// each is HKDF-SHA256 with its own label, so none can be computed from another, and every
// instance sharing the key derives the same one.
import { hkdfSync } from 'node:crypto';

export function derive(key: Buffer, label: string, length = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), label, length));
}

/** oidc-provider's features.dPoP.nonceSecret. */
export const dpopNonceSecret = (key: Buffer) => derive(key, 'latchkey dpop nonces');
