// The signing keyset as stored: one record per key with its lifecycle state. A key is published
// in the JWKS while it is `next`, `current` or `previous`, and signs only while `current`.
// Private halves are sealed; the public halves are kept beside them for listing without
// decrypting anything.
import type { JWK } from 'jose';
import type { Sealed } from '../crypto/sealed-box.ts';
import { SIGNING_ALGS } from '../../config/schema.ts';

// One key per algorithm offered for ID tokens (a client may pick any of them with
// id_token_signed_response_alg): RS256 is the OpenID Connect default, ES256 signs JWT access
// tokens, PS256 and EdDSA are there for RPs that ask. PS256 has its own RSA key rather than
// sharing RS256's: a JWK names one alg, and RPs match published keys by it.
export { SIGNING_ALGS };
export type SigningAlg = (typeof SIGNING_ALGS)[number];

export type KeyState = 'next' | 'current' | 'previous';

export interface StoredKey {
  kid: string;
  alg: SigningAlg;
  state: KeyState;
  createdAt: number;
  promotedAt?: number;
  retiredAt?: number;
  publicJwk: JWK;
  privateJwk: Sealed;
}

/** A generation of cookie signing keys; the key itself is derived from COOKIE_SECRETS and id. */
export interface CookieKey {
  id: string;
  createdAt: number;
  retiredAt?: number;
}

export interface StoredKeyset {
  /** Increases with every change. */
  version: number;
  keys: StoredKey[];
  /** Newest first. */
  cookieKeys: CookieKey[];
  /** The schedule slot (epoch ms) of the last scheduled rotation, so a slot runs once. */
  lastRotationAt?: number;
}

const ORDER: Record<KeyState, number> = { current: 0, next: 1, previous: 2 };

/** Signing keys first: oidc-provider signs with the first key of a matching alg. */
export function publicationOrder(keys: StoredKey[]): StoredKey[] {
  return [...keys].sort((a, b) => ORDER[a.state] - ORDER[b.state] || b.createdAt - a.createdAt);
}
