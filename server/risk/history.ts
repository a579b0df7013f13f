// An account's sign-in history: recording successful sign-ins, forgetting (decay, age, size)
// and the owner's feedback. Pure: each function returns a new history and leaves its argument
// alone. Only successful sign-ins are recorded — never a failed or refused attempt, which may be
// an attacker's: a model that learns from attacks learns to let them in.
import { addPath, capTree, copyTree, dropOlder, scaleTree, subtractPath, type CountTree } from './counts.ts';
import { dayOf, GAP_BINS, signInKey } from './features.ts';
import { observe } from './observe.ts';
import { DEFAULT_OPTIONS, type RiskOptions } from './options.ts';
import { TRAVEL, type RiskHistory, type SignIn, type SignInOutcome, type Verdict } from './types.ts';

const zeros = (n: number) => Array.from({ length: n }, () => 0);

export function emptyHistory(): RiskHistory {
  return { v: 1, d: 0, n: 0, loc: {}, ua: {}, h: zeros(24), w: zeros(7), g: zeros(GAP_BINS), s: zeros(TRAVEL.length), dn: 0, dev: {}, x: [], r: [] };
}

function clone(history: RiskHistory): RiskHistory {
  return {
    ...history,
    loc: copyTree(history.loc),
    ua: copyTree(history.ua),
    h: [...history.h],
    w: [...history.w],
    g: [...history.g],
    s: [...history.s],
    dev: { ...history.dev },
    ...(history.last ? { last: { ...history.last } } : {}),
    x: history.x.map((entry) => [...entry] as typeof entry),
    r: [...history.r],
  };
}
const round = (n: number) => Math.round(n * 1000) / 1000;

interface Decayable {
  d: number;
  n: number;
  dn: number;
  loc: CountTree;
  ua: CountTree;
  h: number[];
  w: number[];
  g: number[];
  s: number[];
}

/** Multiplies every count (trees, histograms, totals) by one factor: sums stay consistent. */
export function scaleAll(target: Decayable, factor: number): void {
  if (factor === 1) return;
  target.n = round(target.n * factor);
  target.dn = round(target.dn * factor);
  scaleTree(target.loc, factor);
  scaleTree(target.ua, factor);
  for (const histogram of [target.h, target.w, target.g, target.s]) {
    for (let i = 0; i < histogram.length; i++) histogram[i] = round(histogram[i]! * factor);
  }
}

/**
 * Ages counts to `day`: they halve every `halfLifeDays`. In steps of `step` days (a week for
 * histories: counts are then at most ~5% fresher than they should be), because a step rewrites
 * every count. Answers whether it stepped.
 */
export function decayTo(target: Decayable, day: number, halfLifeDays: number, step = 1): boolean {
  if (target.d === 0 || day < target.d + step) {
    if (target.d === 0) target.d = day;
    return false;
  }
  scaleAll(target, 0.5 ** ((day - target.d) / halfLifeDays));
  target.d = day;
  return true;
}

/** Days between decay steps of a history. */
export const DECAY_STEP_DAYS = 7;

function pruneInPlace(history: RiskHistory, now: number, options: RiskOptions): void {
  const { maxAgeDays, halfLifeDays, locationCaps, userAgentCaps, maxDevices, maxDisowned, recent } = options.history;
  const today = dayOf(now);
  decayTo(history, today, halfLifeDays, DECAY_STEP_DAYS);
  const minDay = today - maxAgeDays;
  dropOlder(history.loc, minDay);
  dropOlder(history.ua, minDay);
  capTree(history.loc, locationCaps);
  capTree(history.ua, userAgentCaps);
  const devices = Object.entries(history.dev)
    .filter(([, day]) => day >= minDay)
    .sort((a, b) => b[1] - a[1])
    .slice(0, maxDevices);
  history.dev = Object.fromEntries(devices);
  history.x = history.x.filter(([, , day]) => day >= minDay).slice(-maxDisowned);
  history.r = history.r.slice(-recent);
  if (history.last && dayOf(history.last.t) < minDay) delete history.last;
}

/**
 * Forgets what is too old or too much: counts decay to `now`; values last seen more than
 * `maxAgeDays` ago go, with what they counted; each level keeps its most recent values up to
 * its cap; so do devices and reports. The result's size is bounded whatever the input's.
 */
export function prune(history: RiskHistory, now: number, options: RiskOptions = DEFAULT_OPTIONS): RiskHistory {
  const out = clone(history);
  pruneInPlace(out, now, options);
  return out;
}

function recordInPlace(history: RiskHistory, signIn: SignIn, outcome: SignInOutcome, options: RiskOptions): void {
  const day = dayOf(signIn.at);
  const stepped = decayTo(history, day, options.history.halfLifeDays, DECAY_STEP_DAYS);
  const seen = observe(history, signIn, options);
  const grew = Math.max(addPath(history.loc, seen.location, 1, day), addPath(history.ua, seen.userAgent, 1, day)) >= 0;
  history.n = round(history.n + 1);
  history.h[seen.hour]! += 1;
  history.w[seen.weekday]! += 1;
  if (seen.gap !== undefined) history.g[seen.gap]! += 1;
  if (history.last && !seen.knownNetwork) history.s[seen.travelIndex]! += 1;
  if (!seen.knownDevice) history.dn = round(history.dn + 1);
  for (const id of [signIn.deviceId, outcome.deviceId]) {
    // The cookie a browser presented is its own only if the sign-in it came with succeeded: it did.
    if (id !== undefined) history.dev[id] = day;
  }
  if (!history.last || signIn.at >= history.last.t) {
    const { geo } = signIn;
    history.last = {
      t: signIn.at,
      cc: geo.country,
      net: geo.network,
      ...(geo.latitude !== undefined && geo.longitude !== undefined ? { lat: geo.latitude, lon: geo.longitude } : {}),
      ...(geo.city ? { city: geo.city } : {}),
    };
  }
  history.r.push(signInKey(signIn));
  if (history.r.length > options.history.recent) history.r.shift();
  // A heavy user is scaled down to maxCount sign-ins' worth, as if the window were shorter
  // (with a tenth of slack, so that it is not every sign-in).
  const { maxCount } = options.history;
  if (history.n > maxCount * 1.1) scaleAll(history, maxCount / history.n);
  // A full prune walks everything: when ageing stepped, or a new value may have passed a cap.
  if (stepped || grew || Object.keys(history.dev).length > options.history.maxDevices) pruneInPlace(history, Math.max(signIn.at, history.d * 86_400_000), options);
}

/** Adds a successful sign-in (password alone, or password and a passed step-up). */
export function record(history: RiskHistory, signIn: SignIn, outcome: SignInOutcome, options: RiskOptions = DEFAULT_OPTIONS): RiskHistory {
  const out = clone(history);
  recordInPlace(out, signIn, outcome, options);
  return out;
}

function unrecordInPlace(history: RiskHistory, signIn: SignIn, outcome: SignInOutcome | undefined, seen: ReturnType<typeof observe>): void {
  // The counts may have decayed since; taking a whole one off errs towards forgetting.
  subtractPath(history.loc, seen.location, 1);
  subtractPath(history.ua, seen.userAgent, 1);
  const less = (histogram: number[], i: number) => (histogram[i] = Math.max(0, round(histogram[i]! - 1)));
  less(history.h, seen.hour);
  less(history.w, seen.weekday);
  history.n = Math.max(0, round(history.n - 1));
  if (history.last?.t === signIn.at) delete history.last;
  for (const id of [signIn.deviceId, outcome?.deviceId]) if (id !== undefined) delete history.dev[id];
  history.r = history.r.filter((key) => key !== signInKey(signIn));
}

/**
 * The owner's word on a sign-in shown to them. "was_me" records it if it was not recorded (a
 * sign-in that was refused, or whose step-up was abandoned) and withdraws any report against its
 * network or device. "not_me" takes it out of the history if it was recorded, forgets the devices
 * it used, and remembers its network and devices as not the owner's: later sign-ins from them
 * score high. `outcome` is what the sign-in was recorded with, when it was (its new device cookie).
 */
export function feedback(history: RiskHistory, signIn: SignIn, verdict: Verdict, now: number, outcome?: SignInOutcome, options: RiskOptions = DEFAULT_OPTIONS): RiskHistory {
  const out = clone(history);
  const recorded = out.r.includes(signInKey(signIn));
  const devices = [signIn.deviceId, outcome?.deviceId].filter((id): id is string => id !== undefined);
  if (verdict === 'was_me') {
    out.x = out.x.filter(([kind, value]) => !(kind === 'net' && value === signIn.geo.network) && !(kind === 'dev' && devices.includes(value)));
    if (!recorded) recordInPlace(out, signIn, outcome ?? { via: 'step_up' }, options);
    return out;
  }
  if (recorded) {
    // Measured against the history without it, as it was when recorded (near enough).
    unrecordInPlace(out, signIn, outcome, observe(out, signIn, options));
  }
  const day = dayOf(now);
  out.x = out.x.filter(([kind, value]) => !(kind === 'net' && value === signIn.geo.network) && !(kind === 'dev' && devices.includes(value)));
  out.x.push(['net', signIn.geo.network, day], ...devices.map((id): ['dev', string, number] => ['dev', id, day]));
  pruneInPlace(out, now, options);
  return out;
}
