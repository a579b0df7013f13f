// What a password must be, decided without I/O. A new password (account creation, a password
// change) must pass every rule; a sign-in only normalises and refuses what no account can have
// (over the maximum length), so a weak password set before these rules still signs in and its
// owner is not locked out.
//
// - Unicode is normalised with NFKC, here and at sign-in: the composed (NFC) and decomposed (NFD)
//   forms of "café", which different keyboards and systems send, are one password.
// - Length is counted in characters (code points) after normalisation, not bytes or UTF-16 units:
//   8 to 256. Bytes no longer matter, since bcrypt sees a fixed-size digest (passwords.ts).
// - Refused: a password on the common-password list (common-passwords.ts), case-insensitively,
//   also with up to 5 digits or symbols added at the end ("Passw0rd!", "monkey2024"), the way
//   people decorate a common password and attackers try it; and the account's email address or
//   the part before its @.
// Messages say what to do next in plain words and never repeat the password.
import { PolicyError } from '../errors.ts';
import { isListedPassword } from './common-passwords.ts';

export const MIN_PASSWORD_CHARACTERS = 8;
export const MAX_PASSWORD_CHARACTERS = 256;
/** How many trailing digits or symbols still count as decoration of a listed password. */
const MAX_DECORATION = 5;
/** Shorter stems are left alone: "abcd" + "1234" is on the list by itself, "x7" + "!" is noise. */
const MIN_STEM = 4;

export class PasswordPolicyError extends PolicyError {
  override name = 'PasswordPolicyError';
}

export const TOO_SHORT = `Choose a longer password: it needs at least ${MIN_PASSWORD_CHARACTERS} characters. A few unrelated words make one that is long and easy to remember.`;
export const TOO_LONG = `Choose a shorter password: it can have at most ${MAX_PASSWORD_CHARACTERS} characters.`;
export const MALFORMED = 'The password contains text that is not valid Unicode (a broken character). Type it again, or choose another one.';
export const TOO_COMMON =
  'Choose a different password: this one is among the most commonly used passwords (adding a few digits or symbols to one does not help), so it is one of the first an attacker tries. A few unrelated words make a password that is hard to guess and easy to remember.';
export const IS_EMAIL = 'Choose a different password: it must not be the email address, or the part of it before the @.';

export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Characters as a person counts them (code points): an emoji is one, not two UTF-16 units. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** The password and its stems without a short run of trailing digits or symbols. */
function candidates(lowercased: string): string[] {
  const chars = [...lowercased];
  const found = [lowercased];
  for (let cut = 1; cut <= MAX_DECORATION && chars.length - cut >= MIN_STEM; cut++) {
    if (/\p{L}/u.test(chars[chars.length - cut]!)) break;
    const stem = chars.slice(0, chars.length - cut).join('');
    if (/\p{L}/u.test(stem)) found.push(stem);
  }
  return found;
}

export function isCommonPassword(normalized: string, isListed: (candidate: string) => boolean = isListedPassword): boolean {
  return candidates(normalized.toLowerCase()).some(isListed);
}

export interface PasswordContext {
  /** The account's email address. */
  email: string;
}

/**
 * The normalised password, when it may be set for the account; otherwise throws
 * PasswordPolicyError with what to do instead.
 */
export function checkNewPassword(password: string, { email }: PasswordContext, isListed: (candidate: string) => boolean = isListedPassword): string {
  if (!password.isWellFormed()) throw new PasswordPolicyError(MALFORMED);
  const normalized = normalizePassword(password);
  const length = characterCount(normalized);
  if (length < MIN_PASSWORD_CHARACTERS) throw new PasswordPolicyError(TOO_SHORT);
  if (length > MAX_PASSWORD_CHARACTERS) throw new PasswordPolicyError(TOO_LONG);
  const lowered = normalized.toLowerCase();
  const address = normalizePassword(email).trim().toLowerCase();
  const local = address.slice(0, Math.max(0, address.lastIndexOf('@')));
  if (lowered === address || (local !== '' && lowered === local)) throw new PasswordPolicyError(IS_EMAIL);
  if (isCommonPassword(normalized, isListed)) throw new PasswordPolicyError(TOO_COMMON);
  return normalized;
}

/**
 * The normalised password to check at sign-in, or undefined when it is longer than any account's
 * password can be: the sign-in then fails like a wrong password, without running bcrypt. The
 * common-password and email rules do not apply here (a password set before them still works).
 */
export function signInPassword(password: string): string | undefined {
  const normalized = normalizePassword(password);
  return characterCount(normalized) > MAX_PASSWORD_CHARACTERS ? undefined : normalized;
}
