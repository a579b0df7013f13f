// Identifiers in audit events are hashed: an opaque token's id is the token, and a session's
// cookie or a grant id is not for every reader of the audit trail to hold. HMAC-SHA256 under a
// key only Latchkey has, so that nobody can confirm a guessed id against the trail; truncated to
// 16 bytes (128 bits: no collisions in any trail's lifetime), base64url, 22 characters.
//
// The kind is mixed in, so the hash of a token id and of a session id that happened to be equal
// differ, and so a hash lifted from one field cannot be passed off in another.
import { createHmac, createSecretKey } from 'node:crypto';

export const ID_KINDS = ['token', 'grant', 'session', 'login'] as const;
export type IdKind = (typeof ID_KINDS)[number];

export const ID_HASH_LENGTH = 22;
const MIN_KEY_BYTES = 32;

export type HashId = (kind: IdKind, id: string) => string;

/**
 * A hasher under `key` (at least 32 bytes). The same key must hash every event of a trail for
 * the hashes to join; changing it starts a new, unjoinable series.
 */
export function createIdHasher(key: Uint8Array): HashId {
  if (key.byteLength < MIN_KEY_BYTES) throw new RangeError(`the audit id key must be at least ${MIN_KEY_BYTES} bytes`);
  // A KeyObject made once: a copy (the caller may zero or reuse its buffer), and no key import
  // on every hash, which would cost more than the hash.
  const secret = createSecretKey(Buffer.from(key));
  return (kind, id) => {
    if (!ID_KINDS.includes(kind)) throw new TypeError(`not an id kind: ${kind}`);
    if (typeof id !== 'string' || id.length === 0) throw new TypeError('an id to hash must be a non-empty string');
    return createHmac('sha256', secret).update(kind).update('\0').update(id).digest().subarray(0, 16).toString('base64url');
  };
}
