// The codes mailed at sign-in when the risk model asks for more than the password of an account
// without a second factor (mfa/policy.ts `need: 'email'`). Six random digits, made when the mail
// is written (the mail queue's job never holds one), for one interaction and one account: the
// store keeps only a keyed hash of code, interaction uid and account (an HMAC: a million codes
// would be no secret under a plain hash), as an `EmailCode` record by the interaction's uid, for
// ten minutes. A new code replaces the one before. A code is used once (the record is consumed
// atomically) and is void after five tries: each try is counted, atomically, before the code is
// compared, so no number of parallel guesses gets a sixth.
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Limiter, OidcStore } from '../store/types.ts';

export const EMAIL_CODE_TTL_SECONDS = 600;
export const EMAIL_CODE_TRIES = 5;
const MODEL = 'EmailCode';
const SHAPE = /^\d{6}$/;

/** `ok`: right, and used up now. `wrong`: not the code (tries remain). `void`: no code to try
 * (none sent, expired, used, replaced, or its tries spent): a new one must be sent. */
export type EmailCodeVerdict = 'ok' | 'wrong' | 'void';

export interface EmailCodes {
  /** A new code for this interaction and account (for the mail only); the one before stops working. */
  issue(uid: string, sub: string): Promise<string>;
  verify(uid: string, sub: string, code: string): Promise<EmailCodeVerdict>;
  /** Digits only, spaces and dashes dropped; undefined when it cannot be a code. */
  normalize(input: string): string | undefined;
}

/** `hash`: a keyed hash (an HMAC under a server secret) of its parts. */
export function emailCodes(oidc: OidcStore, tries: Limiter, hash: (...parts: string[]) => string): EmailCodes {
  const hashOf = (uid: string, sub: string, code: string) => hash('email-code', uid, sub, code);
  const normalize = (input: string) => {
    const digits = input.replace(/[\s-]/g, '');
    return SHAPE.test(digits) ? digits : undefined;
  };
  return {
    normalize,
    async issue(uid, sub) {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      // The nonce names this code's count of tries: a new code starts from none.
      await oidc.upsert(MODEL, uid, { sub, hash: hashOf(uid, sub, code), nonce: randomBytes(12).toString('base64url') }, EMAIL_CODE_TTL_SECONDS);
      return code;
    },
    async verify(uid, sub, input) {
      const code = normalize(input);
      const record = await oidc.find(MODEL, uid);
      if (!record || record.consumed || record.sub !== sub || typeof record.hash !== 'string' || typeof record.nonce !== 'string') return 'void';
      const count = await tries.consume(`${uid}\0${record.nonce}`, { durationSeconds: EMAIL_CODE_TTL_SECONDS });
      if (count.consumed > EMAIL_CODE_TRIES) {
        await oidc.destroy(MODEL, uid);
        return 'void';
      }
      const given = Buffer.from(code ? hashOf(uid, sub, code) : '');
      const stored = Buffer.from(record.hash);
      if (given.length !== stored.length || !timingSafeEqual(given, stored)) {
        if (count.consumed >= EMAIL_CODE_TRIES) await oidc.destroy(MODEL, uid);
        return 'wrong';
      }
      // Of two right tries at once, one wins.
      return (await oidc.consume(MODEL, uid)) ? 'ok' : 'void';
    },
  };
}
