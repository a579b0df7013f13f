// The global prior: the same counts as a history, over every account's successful sign-ins. It
// stands for "someone else" (Freeman et al. model the attacker as a random member of the
// population) and is what a new account's history falls back to. Bounded like a history: counts
// decay, the total is capped, each level keeps its most recent values; there is no IP level.
import { addPath, capTree, dropOlder, levelSizes } from './counts.ts';
import { dayOf, GAP_BINS } from './features.ts';
import { decayTo, scaleAll } from './history.ts';
import { observe } from './observe.ts';
import { DEFAULT_OPTIONS, type RiskOptions } from './options.ts';
import { TRAVEL, type GlobalPrior, type RiskHistory, type SignIn } from './types.ts';

const zeros = (n: number) => Array.from({ length: n }, () => 0);
const LOCATION_LEVELS = 3;
const USER_AGENT_LEVELS = 4;

export function emptyPrior(): GlobalPrior {
  return { v: 1, d: 0, n: 0, loc: {}, ua: {}, h: zeros(24), w: zeros(7), g: zeros(GAP_BINS), s: zeros(TRAVEL.length), dn: 0, z: zeros(LOCATION_LEVELS + USER_AGENT_LEVELS) };
}

function pruneInPlace(prior: GlobalPrior, now: number, options: RiskOptions): void {
  const { halfLifeDays, locationCaps, userAgentCaps } = options.prior;
  const today = dayOf(now);
  decayTo(prior, today, halfLifeDays);
  dropOlder(prior.loc, today - options.history.maxAgeDays);
  dropOlder(prior.ua, today - options.history.maxAgeDays);
  capTree(prior.loc, locationCaps);
  capTree(prior.ua, userAgentCaps);
  prior.z = [...levelSizes(prior.loc, LOCATION_LEVELS), ...levelSizes(prior.ua, USER_AGENT_LEVELS)];
}

export function prunePrior(prior: GlobalPrior, now: number, options: RiskOptions = DEFAULT_OPTIONS): GlobalPrior {
  const out = structuredClone(prior);
  pruneInPlace(out, now, options);
  return out;
}

/**
 * Adds one successful sign-in to `prior` itself, measured against its account's history as it
 * was before the sign-in was recorded (the history it was scored with). For whoever builds the
 * prior in bulk (the benchmark, a periodic job); addToPrior is the pure form.
 */
export function addToPriorInPlace(prior: GlobalPrior, history: RiskHistory, signIn: SignIn, options: RiskOptions = DEFAULT_OPTIONS): void {
  const day = dayOf(signIn.at);
  const newDay = day > prior.d;
  decayTo(prior, day, options.prior.halfLifeDays);
  const seen = observe(history, signIn, options);
  const grown = (offset: number, from: number, levels: number) => {
    if (from >= 0) for (let i = from; i < levels; i++) prior.z[offset + i]! += 1;
  };
  grown(0, addPath(prior.loc, seen.location.slice(0, LOCATION_LEVELS), 1, day), LOCATION_LEVELS);
  grown(LOCATION_LEVELS, addPath(prior.ua, seen.userAgent, 1, day), USER_AGENT_LEVELS);
  prior.n += 1;
  prior.h[seen.hour]! += 1;
  prior.w[seen.weekday]! += 1;
  if (seen.gap !== undefined) prior.g[seen.gap]! += 1;
  if (history.last && !seen.knownNetwork) prior.s[seen.travelIndex]! += 1;
  if (!seen.knownDevice) prior.dn += 1;
  if (prior.n > options.prior.maxCount) scaleAll(prior, options.prior.maxCount / prior.n);
  // Trimming sorts a level: done once a day (ageing), or when a level has grown a tenth past its cap.
  const caps = [...options.prior.locationCaps, ...options.prior.userAgentCaps];
  if (newDay || prior.z.some((n, i) => n > caps[i]! * 1.1)) pruneInPlace(prior, signIn.at, options);
}

/** Adds one successful sign-in (see addToPriorInPlace): a new prior, the argument untouched. */
export function addToPrior(prior: GlobalPrior, history: RiskHistory, signIn: SignIn, options: RiskOptions = DEFAULT_OPTIONS): GlobalPrior {
  const out = structuredClone(prior);
  addToPriorInPlace(out, history, signIn, options);
  return out;
}
