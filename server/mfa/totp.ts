// TOTP (RFC 6238), pure: a secret, a code and a clock in, a decision out. No I/O: the factor
// store (factors.ts) keeps the last step used and applies the decision.
//
// SHA-1, 6 digits, 30-second steps: what every authenticator app reads from a QR code (Google
// Authenticator ignores any other algorithm). A code is accepted for its own step and one step
// either side (RFC 6238 §5.2: clocks drift, people type slowly), and each step at most once per
// account: a code seen, or any code of an earlier step, is refused as replayed (§5.2 "MUST NOT
// accept the second attempt of the same OTP"), so a code read over a shoulder or phished is
// spent once it is used.
import * as OTPAuth from 'otpauth';

export const PERIOD_SECONDS = 30;
export const DIGITS = 6;
/** Steps either side of now that are still accepted. */
export const WINDOW = 1;
/** 160 bits, the length RFC 4226 §4 recommends and SHA-1's output. */
export const SECRET_BYTES = 20;

export type TotpDecision = { ok: true; step: number } | { ok: false; reason: 'wrong' | 'replayed' | 'malformed' };

/** Six digits, spaces and dashes people type between groups removed; undefined otherwise. */
export function normalizeTotpCode(input: string): string | undefined {
  const code = input.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(code) ? code : undefined;
}

const totpOf = (secretBase32: string, label = '', issuer = '') =>
  new OTPAuth.TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD_SECONDS, secret: OTPAuth.Secret.fromBase32(secretBase32) });

/** The step (30-second slot since the epoch) of a moment. */
export const stepOf = (nowMs: number) => Math.floor(nowMs / 1000 / PERIOD_SECONDS);

/**
 * Whether `code` is good for `secret` at `nowMs`, given the last step this account used
 * (undefined: none yet). A good code's step is returned, to be remembered as the last used.
 */
export function checkTotp(input: { secretBase32: string; code: string; nowMs: number; lastStep?: number }): TotpDecision {
  const code = normalizeTotpCode(input.code);
  if (!code) return { ok: false, reason: 'malformed' };
  const delta = totpOf(input.secretBase32).validate({ token: code, timestamp: input.nowMs, window: WINDOW });
  if (delta === null) return { ok: false, reason: 'wrong' };
  const step = stepOf(input.nowMs) + delta;
  if (input.lastStep !== undefined && step <= input.lastStep) return { ok: false, reason: 'replayed' };
  return { ok: true, step };
}

/** The code of a moment (tests, and nothing else in the server). */
export const totpCode = (secretBase32: string, nowMs: number) => totpOf(secretBase32).generate({ timestamp: nowMs });

/** A new random secret, base32 as authenticator apps take it. */
export const newTotpSecret = () => new OTPAuth.Secret({ size: SECRET_BYTES }).base32;

/** The otpauth:// URI an authenticator app reads from the QR code (Key Uri Format). */
export const otpauthUri = (secretBase32: string, account: string, issuer: string) => totpOf(secretBase32, account, issuer).toString();
