// The keystore: signing keys generated on first start, kept in the store sealed under
// KEYS_ENCRYPTION_KEY, and turned into the JWKS the Provider is built from. The Provider is
// rebuilt from this, never mutated in place (the keyset is read once per build).
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Documents } from '../store/types.ts';
import { UnsealError, type SealedBox } from './sealed-box.ts';
import { publicationOrder, SIGNING_ALGS, type SigningAlg, type StoredKey, type StoredKeyset } from './keyset.ts';

const COLLECTION = 'keys';
const SIGNING = 'signing';

export class KeystoreError extends Error {
  override name = 'KeystoreError';
}

export async function generateKey(alg: SigningAlg, box: SealedBox, now: number): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
  return {
    kid,
    alg,
    state: 'current',
    createdAt: now,
    promotedAt: now,
    publicJwk,
    privateJwk: box.seal(JSON.stringify(jwk), `key:${kid}`),
  };
}

export interface Keystore {
  /** The stored keyset, created (one current key per algorithm) when there is none. */
  loadOrCreate(): Promise<StoredKeyset>;
  read(): Promise<StoredKeyset | undefined>;
  /** Private JWKs in publication order, for `new Provider(..., { jwks })`. */
  privateJwks(keyset: StoredKeyset): JWK[];
}

export function createKeystore(documents: Documents, box: SealedBox, now = () => Date.now()): Keystore {
  const read = async () => {
    const raw = await documents.get(COLLECTION, SIGNING);
    return raw === undefined ? undefined : (JSON.parse(raw) as StoredKeyset);
  };

  return {
    read,
    async loadOrCreate() {
      const existing = await read();
      if (existing) return existing;
      const at = now();
      const created: StoredKeyset = {
        version: 1,
        keys: await Promise.all(SIGNING_ALGS.map((alg) => generateKey(alg, box, at))),
      };
      // Several instances may start together on an empty store: the first insert wins and the
      // others adopt its keys.
      if (await documents.insert(COLLECTION, SIGNING, JSON.stringify(created))) return created;
      const winner = await read();
      if (!winner) throw new KeystoreError('signing keyset vanished while it was being created');
      return winner;
    },
    privateJwks(keyset) {
      return publicationOrder(keyset.keys).map((key) => {
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
      });
    },
  };
}
