// Recovery codes, pure: their format, how typed ones are read, and how they are named for
// storage. Ten codes of ten characters from a 32-letter alphabet without look-alikes (50 bits
// each, Crockford's base32 less I, L, O, U), shown as two groups of five: high entropy, so a
// keyed hash (HMAC with a pepper) is enough to store them; no slow hash is needed, and none can
// be guessed within any throttle's budget.
import { createHmac, randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const LENGTH = 10;

/** One new code, as shown: "k7q2m-9xw4d". */
export function newRecoveryCode(random: (max: number) => number = randomInt): string {
  let code = '';
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[random(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

export const newRecoveryCodes = (random?: (max: number) => number) => Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode(random));

/** What a person typed, read as a recovery code: case, spaces and dashes ignored, the letters
 * people confuse read as the digits they meant (o → 0, i and l → 1); undefined when it cannot be one. */
export function normalizeRecoveryCode(input: string): string | undefined {
  const code = input.toLowerCase().replace(/[\s-]/g, '').replace(/o/g, '0').replace(/[il]/g, '1');
  if (code.length !== LENGTH) return undefined;
  for (const c of code) if (!ALPHABET.includes(c)) return undefined;
  return code;
}

/** Whether the input looks like a recovery code rather than an authenticator app's code. */
export const looksLikeRecoveryCode = (input: string) => normalizeRecoveryCode(input) !== undefined;

/** The stored form of a code: HMAC-SHA256 under the pepper, bound to the account. */
export function recoveryCodeHash(pepper: Buffer, sub: string, code: string): string {
  const normalized = normalizeRecoveryCode(code);
  if (!normalized) throw new Error('not a recovery code');
  return createHmac('sha256', pepper).update(`${sub}\0${normalized}`).digest('base64url');
}
