// AES-256-GCM envelopes for secrets at rest (private signing keys, client secrets). Several
// encryption keys may be configured: seal with the first, open with whichever sealed it. Each
// envelope names its key by a short fingerprint so a wrong key is reported, not guessed at.
import { createCipheriv, createDecipheriv, createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

export interface Sealed {
  /** Fingerprint of the encryption key that sealed it. */
  kek: string;
  iv: string;
  tag: string;
  data: string;
}

export class UnsealError extends Error {
  override name = 'UnsealError';
}

export function fingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

export interface SealedBox {
  seal(plaintext: string, aad: string): Sealed;
  open(sealed: Sealed, aad: string): string;
  /** True when the envelope is not sealed under the first (current) key. */
  isStale(sealed: Sealed): boolean;
}

export function createSealedBox(keys: Buffer[]): SealedBox {
  if (keys.length === 0) throw new Error('at least one encryption key is required');
  // Key objects are made once: preparing a raw key on every call is a measurable share of a
  // token request.
  const byFingerprint = new Map<string, KeyObject>(keys.map((k) => [fingerprint(k), createSecretKey(k)]));
  const firstId = fingerprint(keys[0]!);
  const first = byFingerprint.get(firstId)!;

  return {
    seal(plaintext, aad) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', first, iv);
      // The additional data binds an envelope to its owner (a kid, a client id): swapping
      // ciphertexts between records fails to open.
      cipher.setAAD(Buffer.from(aad));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return {
        kek: firstId,
        iv: iv.toString('base64url'),
        tag: cipher.getAuthTag().toString('base64url'),
        data: data.toString('base64url'),
      };
    },
    open(sealed, aad) {
      const key = byFingerprint.get(sealed.kek);
      if (!key) {
        throw new UnsealError(
          `sealed under encryption key ${sealed.kek}, which is not among the configured keys (${[...byFingerprint.keys()].join(', ')})`,
        );
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64url'));
        decipher.setAAD(Buffer.from(aad));
        decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
        return Buffer.concat([
          decipher.update(Buffer.from(sealed.data, 'base64url')),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new UnsealError(`envelope sealed under ${sealed.kek} failed authentication (tampered or wrong key)`);
      }
    },
    isStale(sealed) {
      return sealed.kek !== firstId;
    },
  };
}
