// Stable pseudonyms: an HMAC under a key derived from the first cookie secret, so that limiter
// keys, device cookies and log lines name an email, an address or a client without holding it in
// the clear (a log line about an unknown account must not carry what someone typed). Every
// instance derives the same key from the same COOKIE_SECRETS; a new first secret starts every
// pseudonym (and so every counter) afresh.
//
// Every token request names its client and address this way, so the key is a KeyObject (an HMAC
// over a raw key re-imports it each time: 11 µs against 1.4 µs, measured) and recent answers are
// remembered: the same clients and addresses come back all the time.
import { createHmac, createSecretKey } from 'node:crypto';

export type Pseudonym = (label: string, ...parts: string[]) => string;

const REMEMBERED = 10_000;

export function createPseudonyms(cookieSecrets: string[]): Pseudonym {
  const key = createSecretKey(createHmac('sha256', cookieSecrets[0]!).update('latchkey:pseudonyms').digest());
  const recent = new Map<string, string>();
  return (label, ...parts) => {
    const input = [label, ...parts].join('\0');
    let name = recent.get(input);
    if (name === undefined) {
      // 128 bits: no collisions among anything a limiter or a log will ever see.
      name = createHmac('sha256', key).update(input).digest('base64url').slice(0, 22);
      // Oldest first out: a Map keeps insertion order.
      if (recent.size >= REMEMBERED) recent.delete(recent.keys().next().value!);
      recent.set(input, name);
    }
    return name;
  };
}
