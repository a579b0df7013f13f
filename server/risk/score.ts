// The risk score of a sign-in, after Freeman et al., "Who Are You? A Statistical Approach to
// Measuring User Authenticity" (NDSS 2016):
//
//   score = ln Π_k p(x_k | attacker) / p(x_k | owner)
//
// summed over independent features k. The attacker is modelled as the population (the global
// prior): someone else signing in looks like a random sign-in of any account. The owner's
// probabilities come from the account's own history, smoothed towards the population along each
// feature's hierarchy (country → ASN → network → IP; device type → OS → browser → version) by
// Witten–Bell interpolation: a parent seen with many distinct children (a mobile carrier handing
// out new addresses) makes a new child likely; one always seen with the same child (a fixed home
// connection) makes it unlikely. Below the first level the owner has never seen, the owner looks
// like the population and the level says nothing, so each novelty is counted once, where it is.
// Every factor is clamped (options.clamp): no single feature decides alone.
//
// Pure and fast: no I/O; a few dozen object lookups per sign-in.
import { walk, type LevelStats } from './counts.ts';
import { dayOf, MISSING } from './features.ts';
import { gapLikelihoodRatio } from './gap.ts';
import { prune } from './history.ts';
import { observe, type Observation } from './observe.ts';
import { DEFAULT_OPTIONS, type RiskOptions } from './options.ts';
import { reasons } from './reasons.ts';
import type { Assessment, Decision, Factor, FeatureName, GlobalPrior, RiskHistory, SignIn } from './types.ts';

/** p(value | parent): the value's share of its parent, interpolated (Witten–Bell) with `base`. */
function wittenBell(stats: LevelStats | undefined, base: number): number {
  if (!stats || stats.parentCount <= 0) return base;
  return (stats.count + stats.parentTypes * base) / (stats.parentCount + stats.parentTypes);
}

const sum = (values: readonly number[]) => values.reduce((s, v) => s + v, 0);

/** A histogram bin's probability, add-one smoothed (the prior's; it may be empty). */
const priorShare = (bins: readonly number[], i: number) => (bins[i]! + 1) / (sum(bins) + bins.length);

/** An account histogram's bin, pulled towards the prior's share by `pseudo` sign-ins. */
const ownerShare = (count: number, total: number, prior: number, pseudo: number) => (count + pseudo * prior) / (total + pseudo);

interface Context {
  history: RiskHistory;
  prior: GlobalPrior;
  signIn: SignIn;
  seen: Observation;
  options: RiskOptions;
  factors: Factor[];
}

function add(context: Context, feature: FeatureName, logRatio: number, reason?: () => string): void {
  const [min, max] = context.options.clamp[feature];
  const mimicry = context.options.mimicry[feature] ?? 0;
  const mixed = mimicry > 0 ? Math.log((1 - mimicry) * Math.exp(logRatio) + mimicry) : logRatio;
  // Never NaN (it would compare false with every threshold); the tests look for one.
  const clamped = Number.isNaN(mixed) ? 0 : Math.min(max, Math.max(min, mixed));
  const factor: Factor = { feature, logRatio: clamped };
  if (reason && clamped >= context.options.reasonMin) factor.reason = reason();
  context.factors.push(factor);
}

function location(context: Context): void {
  const { history, prior, signIn, seen, options } = context;
  const c = options.cardinality;
  const priorStats = walk(prior.loc, seen.location.slice(0, 3));
  const pPrior = [wittenBell(priorStats[0], 1 / c.country), wittenBell(priorStats[1], 1 / c.asn), wittenBell(priorStats[2], 1 / c.network), 1 / c.ip];
  const owner = walk(history.loc, seen.location);
  const features = ['country', 'asn', 'network', 'ip'] as const;
  features.forEach((feature, i) => {
    const pOwner = wittenBell(owner[i], pPrior[i]!);
    const novel = owner[i]!.count === 0;
    add(context, feature, Math.log(pPrior[i]! / pOwner), novel ? () => reasons[feature](signIn) : undefined);
  });
}

function userAgent(context: Context): void {
  const { history, prior, signIn, seen, options } = context;
  const c = options.cardinality;
  const priorStats = walk(prior.ua, seen.userAgent);
  const bases = [c.deviceType, c.os, c.browser, c.browserVersion];
  const pPrior = bases.map((n, i) => wittenBell(priorStats[i], 1 / n));
  const owner = walk(history.ua, seen.userAgent);
  const ua = signIn.userAgent;
  (['deviceType', 'os', 'browser'] as const).forEach((feature, i) => {
    const novel = owner[i]!.count === 0;
    add(context, feature, Math.log(pPrior[i]! / wittenBell(owner[i], pPrior[i]!)), novel ? () => reasons[feature](ua) : undefined);
  });

  // Browsers update themselves: a version newer than any this browser has shown (by a few
  // majors at most) is the same browser updated, and says nothing. An older one is unusual.
  const version = owner[3]!;
  const siblings = owner[2]!.node?.[2];
  const majorOf = (key: string) => (key === MISSING ? NaN : Number(key.slice(1)));
  const major = majorOf(seen.userAgent[3]);
  if (version.count === 0 && siblings && Number.isFinite(major)) {
    const seenMajors = Object.keys(siblings).map(majorOf).filter(Number.isFinite);
    const newest = Math.max(...seenMajors);
    if (seenMajors.length && major > newest && major - newest <= options.maxVersionJump) return add(context, 'browserVersion', 0);
    const older = seenMajors.length > 0 && major < newest;
    return add(context, 'browserVersion', Math.log(pPrior[3]! / wittenBell(version, pPrior[3]!)), () => reasons.browserVersion(ua, older));
  }
  add(context, 'browserVersion', Math.log(pPrior[3]! / wittenBell(version, pPrior[3]!)));
}

function device(context: Context): void {
  const { history, prior, seen, options, signIn } = context;
  if (history.n <= 0) return;
  const priorNew = prior.n > 0 ? prior.dn / prior.n : 0.1;
  // Kept inside (0, 1): feedback can take sign-ins off n without knowing which were new devices.
  const pNew = Math.min(0.999, Math.max(0.001, ownerShare(history.dn, history.n, priorNew, options.pseudoCounts.device)));
  const stolen = options.device.stolenCookie;
  const disowned = history.x.some(([kind, value]) => kind === 'dev' && value === signIn.deviceId);
  if (seen.knownDevice && !disowned) add(context, 'device', Math.log(stolen / (1 - pNew)));
  else add(context, 'device', Math.log((1 - stolen) / pNew), reasons.device);
}

function time(context: Context): void {
  const { history, prior, seen, options } = context;
  const p = options.pseudoCounts;
  // An hour blends into its neighbours: a habit at 9:00 covers 8:00 and 10:00 a little.
  const h = history.h;
  const near = 0.6 * h[seen.hour]! + 0.2 * (h[(seen.hour + 23) % 24]! + h[(seen.hour + 1) % 24]!);
  const pHour = priorShare(prior.h, seen.hour);
  add(context, 'hour', Math.log(pHour / ownerShare(near, sum(h), pHour, p.hour)), () => reasons.hour(seen.hour));
  const pDay = priorShare(prior.w, seen.weekday);
  add(context, 'weekday', Math.log(pDay / ownerShare(history.w[seen.weekday]!, sum(history.w), pDay, p.weekday)), () => reasons.weekday(seen.weekday));
  if (seen.gap !== undefined) add(context, 'gap', Math.log(gapLikelihoodRatio(history.g, prior.g, seen.gap, p.gap)), () => reasons.gap(seen.gapMs!));
}

/**
 * Only for a network new to the account: returning to a known one is no trip (its geolocation —
 * a mobile carrier's gateway, the owner's VPN — says nothing new about where the person is),
 * and the location factors have already counted it. So the owner's travel histogram counts the
 * sign-ins from new networks only, and this compares like with like.
 */
function travel(context: Context): void {
  const { history, prior, seen, options } = context;
  if (!history.last || seen.knownNetwork) return;
  const i = seen.travelIndex;
  const { base, basePseudoCount } = options.travel;
  const pPrior = (prior.s[i]! + basePseudoCount * base[i]!) / (sum(prior.s) + basePseudoCount);
  const pOwner = ownerShare(history.s[i]!, sum(history.s), pPrior, options.pseudoCounts.travel);
  const explain = seen.travel.travel === 'none' ? undefined : () => reasons.travel(seen.travel, history.last?.city);
  add(context, 'travel', Math.log(options.travel.attacker[i]! / pOwner), explain);
}

function disowned(context: Context): void {
  const { history, signIn, options } = context;
  const network = history.x.some(([kind, value]) => kind === 'net' && value === signIn.geo.network);
  const device = signIn.deviceId !== undefined && history.x.some(([kind, value]) => kind === 'dev' && value === signIn.deviceId);
  if (network) add(context, 'disowned', options.disownedLogRatio, reasons.disownedNetwork);
  if (device) add(context, 'disowned', options.disownedLogRatio, reasons.disownedDevice);
}

/** A history unwritten for this long is pruned before scoring (a copy: the argument is left alone). */
const STALE_DAYS = 30;

export function decide(score: number, thresholds: RiskOptions['thresholds']): Decision {
  return score >= thresholds.deny ? 'deny' : score >= thresholds.stepUp ? 'step_up' : 'allow';
}

/**
 * Scores a sign-in against the account's history and the global prior. `now` ages the history
 * (one last written a month or more ago is pruned first); the sign-in's own time gives its
 * hour, weekday and the time since the last sign-in.
 */
export function score(history: RiskHistory, prior: GlobalPrior, signIn: SignIn, now: number, options: RiskOptions = DEFAULT_OPTIONS): Assessment {
  const current = history.n > 0 && dayOf(now) - history.d >= STALE_DAYS ? prune(history, now, options) : history;
  const context: Context = { history: current, prior, signIn, seen: observe(current, signIn, options), options, factors: [] };
  location(context);
  userAgent(context);
  device(context);
  time(context);
  travel(context);
  disowned(context);
  const total = Math.round(sum(context.factors.map((f) => f.logRatio)) * 1000) / 1000;
  const explained = context.factors.filter((f) => f.reason).sort((a, b) => b.logRatio - a.logRatio);
  const decision = current.n === 0 ? options.firstSignIn : decide(total, options.thresholds);
  return { score: total, decision, reasons: explained.map((f) => f.reason!), factors: context.factors };
}
