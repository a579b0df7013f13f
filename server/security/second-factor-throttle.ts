// Second-factor throttling: wrong TOTP codes and wrong recovery codes each have their own
// counters, apart from each other and from the password's (sign-in-throttle.ts). Someone who
// knows the password therefore spends none of the owner's password budget guessing codes, and
// running out of one kind of code still leaves the other.
//
// Which counters: a browser that finished a sign-in to this account before (the device cookie
// is set only after the whole sign-in, second factor included, so knowing the password does not
// make a browser known) is judged by its own budget alone: the owner's own browsers are never held
// up by anyone's guesses. Any other browser is judged per account and address, and per account
// from everywhere: a person who knows the password gets a few dozen guesses an hour in all, out of
// a million codes (three of them good at any moment).
//
// A passkey given as the second step (interactions/passkey-sign-in.ts) has counters of its own
// too, as budgeted as a code's: an assertion is no guess, but one not accepted after the right
// password is someone at the account who has not got its passkey.
//
// Codes mailed at sign-in (`email`, mfa/email-code.ts) have counters of their own too, a little
// roomier: each code is void after five tries anyway, and a person who mistyped one asks for
// another and must be able to type it.
import type { Store } from '../store/types.ts';
import { clientOf } from './addresses.ts';
import type { Decision, FailureBudget } from './decisions.ts';
import { failureBudgets } from './failure-budget.ts';
import type { Pseudonym } from './pseudonyms.ts';

export type SecondFactorKind = 'totp' | 'recovery' | 'email' | 'passkey';
type Dimension = 'device' | 'account-ip' | 'account';

const QUARTER = 900;
const HOUR = 3600;
export const SECOND_FACTOR_BUDGETS: Record<Dimension, FailureBudget> = {
  device: { limit: 10, windowSeconds: QUARTER },
  'account-ip': { limit: 5, windowSeconds: QUARTER },
  account: { limit: 10, windowSeconds: HOUR },
};

export const EMAIL_CODE_BUDGETS: Record<Dimension, FailureBudget> = {
  device: { limit: 15, windowSeconds: QUARTER },
  'account-ip': { limit: 10, windowSeconds: QUARTER },
  account: { limit: 20, windowSeconds: HOUR },
};

export interface SecondFactorAttempt {
  kind: SecondFactorKind;
  sub: string;
  ip: string;
  /** The device id, when this browser finished a sign-in to this account before. */
  knownDevice?: string;
}

export interface SecondFactorThrottle {
  check(attempt: SecondFactorAttempt): Promise<Decision>;
  failed(attempt: SecondFactorAttempt): Promise<void>;
}

export function secondFactorThrottle(store: Store, pseudonym: Pseudonym): SecondFactorThrottle {
  const budgets = {
    totp: failureBudgets(store, pseudonym, 'mfa-totp', SECOND_FACTOR_BUDGETS),
    recovery: failureBudgets(store, pseudonym, 'mfa-recovery', SECOND_FACTOR_BUDGETS),
    email: failureBudgets(store, pseudonym, 'mfa-email', EMAIL_CODE_BUDGETS),
    passkey: failureBudgets(store, pseudonym, 'mfa-passkey', SECOND_FACTOR_BUDGETS),
  };
  const keys = (a: SecondFactorAttempt): Partial<Record<Dimension, string>> =>
    a.knownDevice ? { device: `${a.knownDevice}\0${a.sub}` } : { 'account-ip': `${a.sub}\0${clientOf(a.ip)}`, account: a.sub };
  return {
    check: (attempt) => budgets[attempt.kind].check(keys(attempt)),
    failed: (attempt) => budgets[attempt.kind].fail(keys(attempt)),
  };
}
