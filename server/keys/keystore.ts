// The keystore: the signing keyset kept in the store, private keys sealed under
// KEYS_ENCRYPTION_KEY, and turned into what a Provider is built from (private JWKs in signing
// order, cookie keys). Writes are fenced: a change applies only over the exact keyset it was
// computed from, so an instance that paused mid-rotation cannot overwrite a newer keyset.
import { createHmac, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Documents } from '../store/types.ts';
import { UnsealError, type SealedBox } from '../crypto/sealed-box.ts';
import { publicationOrder, SIGNING_ALGS, type SigningAlg, type StoredKey, type StoredKeyset } from './keyset.ts';
import { initialKeyset, withEveryAlg, type FreshKeys } from './rotation.ts';

const COLLECTION = 'keys';
const SIGNING = 'signing';

export class KeystoreError extends Error {
  override name = 'KeystoreError';
}

async function generateKey(alg: SigningAlg, box: SealedBox, now: number): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' || alg === 'PS256' ? { modulusLength: 2048 } : {}) });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
  return { kid, alg, state: 'next', createdAt: now, publicJwk, privateJwk: box.seal(JSON.stringify(jwk), `key:${kid}`) };
}

export interface Keystore {
  read(): Promise<StoredKeyset | undefined>;
  /** The stored keyset, created when there is none (several instances may race: one wins). */
  loadOrCreate(): Promise<StoredKeyset>;
  /** Writes `next` only if the stored keyset is still `expected`; false when it was not. */
  replace(expected: StoredKeyset, next: StoredKeyset): Promise<boolean>;
  /** One new key per algorithm, sealed, in state `next`. */
  fresh(): Promise<FreshKeys>;
  /** Private JWKs in signing order (current first), for the Provider. */
  privateJwks(keyset: StoredKeyset): JWK[];
  /** Cookie signing keys, newest first, derived from the cookie secrets and each generation. */
  cookieKeys(keyset: StoredKeyset): string[];
  /** The keyset with every envelope sealed under the first encryption key. */
  rewrap(keyset: StoredKeyset): StoredKeyset;
}

export function createKeystore(documents: Documents, box: SealedBox, cookieSecrets: string[], now = () => Date.now()): Keystore {
  const read = async () => {
    const raw = await documents.get(COLLECTION, SIGNING);
    if (raw === undefined) return undefined;
    const keyset = JSON.parse(raw) as StoredKeyset;
    return { ...keyset, cookieKeys: keyset.cookieKeys ?? [] };
  };
  const fresh = async (): Promise<FreshKeys> => {
    const at = now();
    const keys = await Promise.all(SIGNING_ALGS.map((alg) => generateKey(alg, box, at)));
    return Object.fromEntries(keys.map((key) => [key.alg, key])) as FreshKeys;
  };
  const open = (key: StoredKey): JWK => {
    try {
      return JSON.parse(box.open(key.privateJwk, `key:${key.kid}`)) as JWK;
    } catch (error) {
      if (error instanceof UnsealError) {
        // Refuse to start rather than generate new keys over the old ones.
        throw new KeystoreError(
          `KEYS_ENCRYPTION_KEY: cannot decrypt signing key ${key.kid}: ${error.message}. Configure the key it was encrypted with (several may be listed, comma-separated); nothing was changed.`,
        );
      }
      throw error;
    }
  };

  const loadOrCreate = async (): Promise<StoredKeyset> => {
    const existing = await read();
    // A keyset from before an algorithm was offered gets a signer for it (fenced: if another
    // instance changed the keyset meanwhile, read again).
    if (existing && SIGNING_ALGS.every((alg) => existing.keys.some((k) => k.alg === alg && k.state === 'current'))) return existing;
    if (existing) {
      const [current, next] = await Promise.all([fresh(), fresh()]);
      const upgraded = withEveryAlg(existing, now(), current, next);
      if (await documents.replace(COLLECTION, SIGNING, JSON.stringify(existing), JSON.stringify(upgraded))) return upgraded;
      return loadOrCreate();
    }
    // Two RSA keys per set: generated side by side (on libuv's thread pool), not one after another.
    const [current, next] = await Promise.all([fresh(), fresh()]);
    const created = initialKeyset(now(), current, next, randomUUID());
    if (await documents.insert(COLLECTION, SIGNING, JSON.stringify(created))) return created;
    const winner = await read();
    if (!winner) throw new KeystoreError('signing keyset vanished while it was being created');
    return winner;
  };

  return {
    read,
    fresh,
    loadOrCreate,
    replace(expected, next) {
      return documents.replace(COLLECTION, SIGNING, JSON.stringify(expected), JSON.stringify(next));
    },
    privateJwks(keyset) {
      return publicationOrder(keyset.keys).map(open);
    },
    cookieKeys(keyset) {
      return keyset.cookieKeys.flatMap((generation) =>
        cookieSecrets.map((secret) => createHmac('sha256', secret).update(`cookie-key:${generation.id}`).digest('base64url')),
      );
    },
    rewrap(keyset) {
      return {
        ...keyset,
        version: keyset.version + 1,
        keys: keyset.keys.map((key) =>
          box.isStale(key.privateJwk) ? { ...key, privateJwk: box.seal(JSON.stringify(open(key)), `key:${key.kid}`) } : key,
        ),
      };
    },
  };
}
