// Sign-in throttling: which counters an attempt is judged by (pure), and the wrapper that reads
// and moves them in the store's limiters.
//
// An attempt from a device that has signed in to this account before (device-cookie.ts) is
// judged by that device's own budget alone, so no one else's failures can hold up the owner.
// Any other attempt is judged by its address, its network, the account from its address and the
// account from everywhere. Accounts are named by the normalised email, known or not, so the
// answers (and their timing) are the same for an email no account has.
//
// Each counter is a window of failures; past its free ones, an attempt must take the counter's
// gate, which stays shut for a cooldown that doubles with every failure (decisions.ts). Attempts
// are counted when they begin (atomically, so fifty parallel guesses cannot all pass through one
// opening) and given back when they turn out not to be failures: refused, or the right password.
// A gate an attempt took before a later counter refused it stays shut for its cooldown: that is
// why the counters most specific to the attacker come first, so what it wastes is its own.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Limiter, Store } from '../store/types.ts';
import { clientOf, networkOf } from './addresses.ts';
import { cooldownSeconds, gateDecision, type CooldownRule, type Decision } from './decisions.ts';
import type { Pseudonym } from './pseudonyms.ts';

export type SignInDimension = 'device' | 'ip' | 'network' | 'account-ip' | 'account';

// Windows of an hour: long enough that an attacker's budget does not come back every few minutes,
// short enough that someone who mistyped a dozen times this morning starts afresh this afternoon.
const HOUR = 3600;
export const SIGN_IN_RULES: Record<SignInDimension, CooldownRule> = {
  // The owner's own browser: a generous budget, and waits of at most half a minute.
  device: { free: 10, windowSeconds: HOUR, firstCooldown: 1, maxCooldown: 30 },
  // One address: a household or an office behind one NAT mistypes now and then.
  ip: { free: 20, windowSeconds: HOUR, firstCooldown: 1, maxCooldown: 60 },
  // Password spraying from many addresses of one network (/24, /48): a campus-sized allowance,
  // then one attempt every 10 s for the whole network.
  network: { free: 100, windowSeconds: HOUR, firstCooldown: 1, maxCooldown: 10 },
  // One account from one address: someone who forgot which password they used.
  'account-ip': { free: 5, windowSeconds: HOUR, firstCooldown: 1, maxCooldown: 300 },
  // One account from everywhere else (a distributed guess): past 10 failures, one guess a minute
  // for all of them together. The owner's known devices are not counted here.
  account: { free: 10, windowSeconds: HOUR, firstCooldown: 1, maxCooldown: 60 },
};

/** Waits this short are served inside the request (a person mistyping barely notices). */
const MAX_INLINE_DELAY_MS = 1_000;
/** Requests waiting inline on one instance at most; past that, refused with Retry-After. */
const MAX_WAITING = 100;

export interface SignInAttempt {
  /** Normalised email. */
  email: string;
  ip: string;
  /** The device cookie's id, when it says this device has signed in to this account before. */
  knownDevice?: string;
}

export interface Counted {
  dimension: SignInDimension;
  key: string;
  /** A success starts this counter afresh (it was this device's own); others get one back. */
  resetOnSuccess: boolean;
}

/** The counters an attempt is judged by, most specific to the attacker first: a refusal for
 * one's own address then never spends a gate that the account's other attempts need. */
export function countersOf(attempt: SignInAttempt, pseudonym: Pseudonym): Counted[] {
  if (attempt.knownDevice) return [{ dimension: 'device', key: pseudonym('signin-device', attempt.knownDevice, attempt.email), resetOnSuccess: true }];
  const client = clientOf(attempt.ip);
  return [
    { dimension: 'ip', key: pseudonym('signin-ip', client), resetOnSuccess: false },
    { dimension: 'network', key: pseudonym('signin-network', networkOf(attempt.ip)), resetOnSuccess: false },
    { dimension: 'account-ip', key: pseudonym('signin-account-ip', attempt.email, client), resetOnSuccess: true },
    { dimension: 'account', key: pseudonym('signin-account', attempt.email), resetOnSuccess: false },
  ];
}

export type Begun =
  | { allowed: false; decision: Extract<Decision, { kind: 'refuse' }> }
  | { allowed: true; delayedMs: number; succeeded(): Promise<void>; failed(): Promise<void> };

export interface SignInThrottle {
  begin(attempt: SignInAttempt): Promise<Begun>;
}

export function createSignInThrottle(store: Store, pseudonym: Pseudonym): SignInThrottle {
  const limiters = new Map<SignInDimension, { failures: Limiter; gate: Limiter }>();
  for (const [dimension, rule] of Object.entries(SIGN_IN_RULES) as [SignInDimension, CooldownRule][]) {
    limiters.set(dimension, {
      failures: store.limiter(`signin-${dimension}`, { points: rule.free, durationSeconds: rule.windowSeconds }),
      gate: store.limiter(`signin-${dimension}-gate`, { points: 1, durationSeconds: rule.maxCooldown }),
    });
  }
  const of = (dimension: SignInDimension) => limiters.get(dimension)!;
  let waiting = 0;

  async function pass(counted: Counted, cooldown: number, inline: boolean): Promise<Decision> {
    const gate = await of(counted.dimension).gate.consume(counted.key, { durationSeconds: cooldown });
    return gateDecision({ acquired: gate.consumed === 1, msBeforeNext: gate.msBeforeNext }, counted.dimension, {
      maxDelayMs: inline ? MAX_INLINE_DELAY_MS : 0,
      waiting,
      maxWaiting: MAX_WAITING,
    });
  }

  return {
    async begin(attempt) {
      const counters = countersOf(attempt, pseudonym);
      const counts = await Promise.all(counters.map((c) => of(c.dimension).failures.consume(c.key)));
      const giveBack = (which: Counted[]) => Promise.all(which.map((c) => of(c.dimension).failures.consume(c.key, { points: -1 })));
      let delayedMs = 0;
      for (const [i, counted] of counters.entries()) {
        const cooldown = cooldownSeconds(counts[i]!.consumed - 1, SIGN_IN_RULES[counted.dimension]);
        if (cooldown === 0) continue;
        let decision = await pass(counted, cooldown, true);
        if (decision.kind === 'delay') {
          waiting++;
          try {
            await sleep(decision.ms + 20);
          } finally {
            waiting--;
          }
          delayedMs += decision.ms;
          decision = await pass(counted, cooldown, false);
        }
        if (decision.kind === 'refuse') {
          await giveBack(counters);
          return { allowed: false, decision };
        }
      }
      return {
        allowed: true,
        delayedMs,
        async succeeded() {
          await Promise.all([
            giveBack(counters.filter((c) => !c.resetOnSuccess)),
            ...counters.filter((c) => c.resetOnSuccess).flatMap((c) => [of(c.dimension).failures.delete(c.key), of(c.dimension).gate.delete(c.key)]),
          ]);
        },
        // Counted when it began.
        async failed() {},
      };
    },
  };
}
