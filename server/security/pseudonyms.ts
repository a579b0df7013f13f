// Stable pseudonyms: an HMAC under a key derived from the first cookie secret, so that limiter
// keys, device cookies and log lines name an email, an address or a client without holding it in
// the clear (a log line about an unknown account must not carry what someone typed). Every
// instance derives the same key from the same COOKIE_SECRETS; a new first secret starts every
// pseudonym (and so every counter) afresh.
import { createHmac } from 'node:crypto';

export type Pseudonym = (label: string, ...parts: string[]) => string;

export function createPseudonyms(cookieSecrets: string[]): Pseudonym {
  const key = createHmac('sha256', cookieSecrets[0]!).update('latchkey:pseudonyms').digest();
  // 128 bits: no collisions among anything a limiter or a log will ever see.
  return (label, ...parts) => createHmac('sha256', key).update([label, ...parts].join('\0')).digest('base64url').slice(0, 22);
}
