// What keeps a dump of the store from holding a usable credential. oidc-provider names its
// records by the credential itself (an access token's record id is the token, a session's is the
// cookie value, a device code's user code is an index), and repeats the id inside the payload.
// So every stored record is named by HMAC-SHA256(pepper, id) and its payload sealed
// (AES-256-GCM, bound to the record's model and stored name): nothing in the store works as a
// bearer token, a code or a cookie, and nothing can be read back without KEYS_ENCRYPTION_KEY.
//
// Both the pepper and the sealing key are derived (HKDF-SHA256) from each KEYS_ENCRYPTION_KEY:
// the first names and seals; the others still find and open what was written under them, so a
// rotated key stays listed until the records it named have expired.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { derive } from './derived-keys.ts';

const REMEMBERED = 4096;
import { createSealedBox, type Sealed } from './sealed-box.ts';

export interface RecordProtection {
  /** The stored name of an id under the current key. */
  name(id: string): string;
  /** Every name the id may be stored under: the current key's first. */
  names(id: string): string[];
  seal(plaintext: string, aad: string): Sealed;
  open(sealed: Sealed, aad: string): string;
}

export function createRecordProtection(keys: Buffer[]): RecordProtection {
  if (keys.length === 0) throw new Error('at least one encryption key is required');
  const peppers: KeyObject[] = keys.map((key) => createSecretKey(derive(key, 'latchkey store record names')));
  const box = createSealedBox(keys.map((key) => derive(key, 'latchkey store record payloads')));
  const nameUnder = (pepper: KeyObject, id: string) => createHmac('sha256', pepper).update(id).digest('base64url');
  // One request names the same id several times (introspection looks a token up as each kind
  // of token in turn; a refresh reads, consumes and rewrites): the last names are remembered.
  const recent = new Map<string, string[]>();
  const names = (id: string) => {
    let found = recent.get(id);
    if (found === undefined) {
      found = peppers.map((pepper) => nameUnder(pepper, id));
      if (recent.size >= REMEMBERED) recent.delete(recent.keys().next().value!);
      recent.set(id, found);
    }
    return found;
  };
  return {
    name: (id) => names(id)[0]!,
    names,
    seal: (plaintext, aad) => box.seal(plaintext, aad),
    open: (sealed, aad) => box.open(sealed, aad),
  };
}
