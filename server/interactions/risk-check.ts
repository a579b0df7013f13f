// The risk check of the login form: what the learned risk model (server/risk/) makes of a sign-in
// with the right password, and what the form does about it. Builds the sign-in's features from
// the request (address and its place and network, user agent, device cookie, time), scores them
// against the account's history, and after the sign-in records it (only successful ones: a
// refused sign-in is never learnt from) and keeps it for the owner's "this was me / this wasn't
// me" in the account console.
//
// The contract with the second-factor pages: a verdict is 'allow' | 'require' | 'deny' with its
// reasons in words; nextStep() says what 'deny' does, and 'require' is one of the reasons
// mfa/policy.ts secondFactorNeeded() weighs.
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { networkOf, parseAddress } from '../geo/address.ts';
import type { GeoInfo, GeoLookup } from '../geo/lookup.ts';
import { parseUserAgent } from '../http/user-agent.ts';
import type { RiskEngine, Scored } from '../risk/engine.ts';
import { locationPath, signInKey } from '../risk/features.ts';
import type { SignIn } from '../risk/types.ts';
import { StoreUnavailableError } from '../errors.ts';
import type { Device } from '../security/device-cookie.ts';
import type { Pseudonym } from '../security/pseudonyms.ts';

export type RiskDecision = 'allow' | 'require' | 'deny';

export interface RiskVerdict {
  decision: RiskDecision;
  score: number;
  /** Plain words, strongest first: "first sign-in from Brazil", "new browser (Firefox on Linux)". */
  reasons: string[];
  /** What the console's feedback buttons name this sign-in by. */
  key: string;
  /** The account has signed in before, never from this country: a "new place" notice. */
  newPlace: boolean;
}

export interface RiskCheck {
  verdict?: RiskVerdict;
  /** The sign-in went through: learn it (with the device cookie the browser now holds). */
  admitted(deviceId: string): Promise<void>;
  /** The sign-in was refused: kept for the owner's feedback, never learnt. */
  refused(): Promise<void>;
}

/**
 * What the login form does with a verdict: go on, or refuse (same page as a wrong password).
 * 'require' goes on to the second-factor question (routes.ts, mfa/policy.ts): a person with a
 * factor is asked for it; one without, for a code mailed to the account when mail can be sent
 * (email-check.ts), or else is let in; the alert rule `unusual_signin` tells the operator and the
 * person.
 */
export function nextStep(verdict: RiskVerdict | undefined): 'proceed' | 'refuse' {
  switch (verdict?.decision) {
    case 'deny':
      return 'refuse';
    case 'require': // the second-factor question decides
    case 'allow':
    case undefined:
      return 'proceed';
  }
}

export interface RiskCheckDeps {
  /** Undefined with RISK=false: nothing is scored or kept. */
  engine?: RiskEngine;
  geo: () => GeoLookup | undefined;
  pseudonym: Pseudonym;
  logger: Logger;
  now?: () => number;
}

const DECISIONS = { allow: 'allow', step_up: 'require', deny: 'deny' } as const;
/** Whose history an attempt without the right password reads: nobody's (see check). */
const NOBODY = '-';

export function riskChecks({ engine, geo, pseudonym, logger, now = Date.now }: RiskCheckDeps) {
  const nothing: RiskCheck = { admitted: async () => {}, refused: async () => {} };

  function signInOf(ctx: Context, device: Device | undefined): SignIn {
    const ip = ctx.ip.replace(/^::ffff:(?=\d)/, '');
    const address = parseAddress(ip);
    const fallback: GeoInfo = { country: 'ZZ', network: address ? networkOf(address) : 'unknown' };
    const place = geo()?.lookup(ip) ?? fallback;
    return {
      at: now(),
      ip,
      geo: place,
      userAgent: parseUserAgent(ctx.get('user-agent')),
      // The cookie's random id, pseudonymised: the history never holds what the browser holds.
      ...(device ? { deviceId: pseudonym('risk-device', device.id).slice(0, 22) } : {}),
    };
  }

  const warn = (what: string) => (err: unknown) => {
    if (err instanceof StoreUnavailableError) throw err;
    logger.warn({ err }, what);
  };

  return {
    /**
     * For every attempt whose password was checked. Without the right password (`sub`
     * undefined) it reads and scores nobody's history and answers no verdict: the same work as
     * for the right one, so a refused sign-in takes as long as a wrong password.
     */
    async check(ctx: Context, sub: string | undefined, device: Device | undefined): Promise<RiskCheck> {
      if (!engine) return nothing;
      const signIn = signInOf(ctx, device);
      let scored: Scored;
      try {
        scored = await engine.assess(sub ?? NOBODY, signIn);
      } catch (err) {
        // The store away is the sign-in's 503 like any other; a model failure lets the sign-in through, loudly.
        warn('the risk model could not score a sign-in; it goes on unscored')(err);
        return nothing;
      }
      if (!sub) return nothing;
      const { assessment } = scored;
      const [country] = locationPath(signIn);
      const newPlace = scored.history.n > 0 && !((scored.history.loc[country]?.[0] ?? 0) > 0);
      const verdict: RiskVerdict = { decision: DECISIONS[assessment.decision], score: assessment.score, reasons: assessment.reasons, key: signInKey(signIn), newPlace };
      return {
        verdict,
        async admitted(deviceId) {
          const outcome = { via: 'password' as const, deviceId: pseudonym('risk-device', deviceId).slice(0, 22) };
          await engine.record(scored, outcome);
          await engine.keep(scored, true, outcome);
        },
        refused: () => engine.keep(scored, false),
      };
    },
  };
}

export type RiskChecks = ReturnType<typeof riskChecks>;
