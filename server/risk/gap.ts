// Time since the last sign-in. An attacker's sign-in comes at a time unrelated to the owner's
// (the attacker does not know when the owner last signed in), so the attacker's "time since the
// last sign-in" is the time from the owner's last sign-in to a random moment: the residual of the
// owner's own gaps, whose density at t is P(gap > t) / E[gap]. Compared with the owner's gaps:
// someone who signs in every morning is unlikely to sign in again three hours later, a random
// moment often is; for someone whose sign-ins come at random (a Poisson process), the two are
// the same and the feature says nothing — as it should.
import { GAP_BINS } from './features.ts';

/** Bin edges in hours: 0, ¼, ½, 1, 2, … and the last bin closed at six months. */
const EDGES = [0, ...Array.from({ length: GAP_BINS - 1 }, (_, k) => 0.25 * 2 ** k), 183 * 24];

/**
 * p(bin | random moment) / p(bin | owner), from the owner's gap histogram pulled towards the
 * prior's by `pseudo` gaps (so that an empty or thin history still has a distribution).
 */
export function gapLikelihoodRatio(owner: readonly number[], prior: readonly number[], bin: number, pseudo: number): number {
  const priorTotal = prior.reduce((s, v) => s + v, 0);
  const ownerTotal = owner.reduce((s, v) => s + v, 0);
  // The prior's share is add-one smoothed: no bin has probability zero.
  const mass = owner.map((m, k) => m + pseudo * ((prior[k]! + 1) / (priorTotal + GAP_BINS)));
  const total = ownerTotal + pseudo;
  // Survival at each edge: the share of gaps at least that long.
  const survival = new Array<number>(GAP_BINS + 1).fill(0);
  for (let k = GAP_BINS - 1; k >= 0; k--) survival[k] = survival[k + 1]! + mass[k]! / total;
  // Gaps spread evenly within a bin, so survival is linear between edges.
  const area = (k: number) => (EDGES[k + 1]! - EDGES[k]!) * (survival[k]! + survival[k + 1]!) / 2;
  let meanGap = 0;
  for (let k = 0; k < GAP_BINS; k++) meanGap += area(k);
  return area(bin) / meanGap / (mass[bin]! / total);
}
