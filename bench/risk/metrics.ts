// What the evaluation measured: shares of genuine sign-ins and of takeover attempts at or above
// a threshold, as a curve and at the model's thresholds, and scoring time percentiles.
import { DEFAULT_OPTIONS, type RiskOptions } from '../../server/risk/options.ts';
import { decide } from '../../server/risk/score.ts';
import type { Decision } from '../../server/risk/types.ts';
import type { AttackKind } from './schema.ts';
import type { Scored } from './evaluate.ts';

export const ATTACK_KINDS: AttackKind[] = ['naive', 'vpn', 'targeted'];

export interface Shares {
  /** Genuine sign-ins stepped up or denied. */
  genuine: number;
  genuineDenied: number;
  genuineCount: number;
  /** Per attacker kind: stepped up or denied, and denied. */
  attackers: Record<AttackKind, { caught: number; denied: number; count: number }>;
}

const share = (hits: number, of: number) => (of ? hits / of : 0);

/** The decision score() makes with these thresholds (an account's first sign-in: options.firstSignIn). */
function decisionOf(s: Scored, thresholds: RiskOptions['thresholds'], firstSignIn: Decision): Decision {
  return s.history === 0 ? firstSignIn : decide(s.score, thresholds);
}

export function sharesAt(scored: Scored[], thresholds: RiskOptions['thresholds'], firstSignIn: Decision = DEFAULT_OPTIONS.firstSignIn): Shares {
  const at = (of: Scored[]) => {
    const decisions = of.map((s) => decisionOf(s, thresholds, firstSignIn));
    return { caught: share(decisions.filter((d) => d !== 'allow').length, of.length), denied: share(decisions.filter((d) => d === 'deny').length, of.length), count: of.length };
  };
  const attackers = Object.fromEntries(ATTACK_KINDS.map((kind) => [kind, at(scored.filter((s) => s.kind === kind))])) as Shares['attackers'];
  const genuine = at(scored.filter((s) => s.kind === 'genuine'));
  return { genuine: genuine.caught, genuineDenied: genuine.denied, genuineCount: genuine.count, attackers };
}

export interface CurvePoint {
  threshold: number;
  genuine: number;
  naive: number;
  vpn: number;
  targeted: number;
}

/** Share stepped up or denied at each step-up threshold. */
export function curve(scored: Scored[], thresholds: number[]): CurvePoint[] {
  return thresholds.map((threshold) => {
    const s = sharesAt(scored, { stepUp: threshold, deny: Infinity });
    return { threshold, genuine: s.genuine, naive: s.attackers.naive.caught, vpn: s.attackers.vpn.caught, targeted: s.attackers.targeted.caught };
  });
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
