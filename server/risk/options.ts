// The model's settings, with defaults. Thresholds are on the score (a natural-log likelihood
// ratio, attacker : owner). The defaults were tuned on the synthetic training seed of bench/risk/
// (risk-train-1, `node bench/risk/tune.ts`) and are reported on another seed by
// `npm run bench -- --scenario risk` (bench/README.md, "Risk model").
import type { Decision, FeatureName } from './types.ts';

export interface RiskOptions {
  thresholds: {
    /**
     * At or above: ask for a second factor. The score is a sum of log ratios under an
     * independence assumption, not a calibrated log-odds: the threshold is an operating point.
     * Default: the highest (on a grid of ¼) at which the training seed's targeted attackers
     * were ≥ 99% stepped up — with 1.7% of its genuine sign-ins stepped up there.
     */
    stepUp: number;
    /**
     * At or above: refuse the sign-in (the owner can still be told, and say "this was me").
     * Default: the lowest whole number at which no genuine sign-in of the training seed (fewer
     * than 1 in 20,000) was refused.
     */
    deny: number;
  };
  /**
   * The decision for an account with nothing recorded yet (its first sign-in, just after it was
   * opened): its score is 0 — no evidence either way — which the step-up threshold, below 0,
   * would step up. With nothing to compare against, that would only ask every new account for a
   * second factor. The score and reasons are reported all the same.
   */
  firstSignIn: Decision;
  history: {
    /** Values not seen for this long are forgotten (6 months). */
    maxAgeDays: number;
    /** Counts halve over this many days, so recent habits weigh more than old ones. */
    halfLifeDays: number;
    /** Decayed sign-in count an account keeps at most: heavier users are scaled down to it. */
    maxCount: number;
    /** Nodes kept per level: country, ASN, network, IP. */
    locationCaps: number[];
    /** Nodes kept per level: device type, OS, browser, version. */
    userAgentCaps: number[];
    maxDevices: number;
    maxDisowned: number;
    /** Recorded sign-ins remembered for feedback. */
    recent: number;
  };
  prior: {
    halfLifeDays: number;
    maxCount: number;
    /** Nodes kept per level: country, ASN, network. */
    locationCaps: number[];
    userAgentCaps: number[];
  };
  /**
   * How many values each level has, for a value nobody has been seen with: the probability of
   * one such value is 1 / count. Rough orders of magnitude; they only matter for values the
   * account has seen but the prior has not.
   */
  cardinality: Record<'country' | 'asn' | 'network' | 'ip' | 'deviceType' | 'os' | 'browser' | 'browserVersion', number>;
  /**
   * The attacker is a random member of the population, except that for each feature with
   * probability `mimicry[feature]` they copy the owner: a targeted attacker can find out the
   * country, the browser, the kind of device, and rent an address at the same ISP; they cannot
   * copy the owner's device cookie or home connection. So p(x | attacker) =
   * (1 − β) p(x | population) + β p(x | owner), and a matching value is weak evidence of the
   * owner (the log ratio stays above ln β) while a new one stays strong evidence of someone else.
   */
  mimicry: Partial<Record<FeatureName, number>>;
  /** Bounds of each factor's log ratio: no single feature, however sure, decides alone. */
  clamp: Record<FeatureName, [min: number, max: number]>;
  /** Pseudo-counts pulling an account's time and travel histograms towards the prior's. */
  pseudoCounts: { hour: number; weekday: number; gap: number; travel: number; device: number };
  device: {
    /** Chance an attacker presents a valid device cookie of the account (stolen from the browser). */
    stolenCookie: number;
  };
  travel: {
    /** Faster than an airliner over this distance is impossible travel. */
    plausibleKmh: number;
    /** Moves shorter than this are geolocation noise, not travel. */
    minKm: number;
    /** Impossible only past this distance: city-level geolocation is off by hundreds of km. */
    impossibleMinKm: number;
    /**
     * A random member of the population's travel classes (none, plausible, impossible) relative
     * to the owner's last sign-in: an assumption, not fitted to attack data. Few live within
     * 100 km of a given person; most are farther than a day's gap can explain at airliner speed
     * only a quarter of the time (the median gap between sign-ins is about a day). Mimicry
     * (below) adds the attacker who is near on purpose.
     */
    attacker: [number, number, number];
    /**
     * What the prior's travel histogram starts from, as if it held `basePseudoCount` sign-ins
     * from new networks: mostly within the same area, sometimes a trip, rarely impossible
     * (roaming, VPNs). Without it a thin prior would make impossible travel look common.
     */
    base: [number, number, number];
    basePseudoCount: number;
  };
  /** A sign-in from a network or device the owner reported as not theirs. */
  disownedLogRatio: number;
  /** Factors at least this strong get a reason. */
  reasonMin: number;
  /** A browser version newer than any seen, by at most this many majors, is an update, not a new browser. */
  maxVersionJump: number;
}

export const DEFAULT_OPTIONS: RiskOptions = {
  thresholds: { stepUp: -0.5, deny: 11 },
  firstSignIn: 'allow',
  history: {
    maxAgeDays: 183,
    halfLifeDays: 90,
    maxCount: 200,
    locationCaps: [8, 16, 32, 64],
    userAgentCaps: [4, 8, 12, 24],
    maxDevices: 12,
    maxDisowned: 16,
    recent: 16,
  },
  prior: {
    halfLifeDays: 30,
    maxCount: 1_000_000,
    locationCaps: [300, 3_000, 5_000],
    userAgentCaps: [8, 64, 256, 1_024],
  },
  cardinality: { country: 250, asn: 500, network: 1_000, ip: 256, deviceType: 6, os: 20, browser: 30, browserVersion: 50 },
  mimicry: { country: 0.5, asn: 0.2, deviceType: 0.5, os: 0.5, browser: 0.5, browserVersion: 0.5, hour: 0.3, weekday: 0.3, travel: 0.5 },
  clamp: {
    country: [-2, 6],
    asn: [-2, 6],
    network: [-4, 6],
    ip: [-3, 4],
    deviceType: [-1, 5],
    os: [-1, 5],
    browser: [-1, 5],
    browserVersion: [-1, 3],
    device: [-7, 5],
    hour: [-1, 2],
    weekday: [-0.5, 1],
    gap: [-1, 1.5],
    travel: [-1, 5],
    disowned: [0, 10],
  },
  pseudoCounts: { hour: 4, weekday: 4, gap: 4, travel: 2, device: 2 },
  device: { stolenCookie: 0.002 },
  travel: { plausibleKmh: 900, minKm: 100, impossibleMinKm: 500, attacker: [0.1, 0.65, 0.25], base: [0.75, 0.22, 0.03], basePseudoCount: 20 },
  disownedLogRatio: 5,
  reasonMin: 1,
  maxVersionJump: 10,
};

export type RiskOverrides = { [K in keyof RiskOptions]?: RiskOptions[K] extends number | string ? RiskOptions[K] : Partial<RiskOptions[K]> };

/** Defaults with `overrides` laid over them, one level deep (a given array replaces the default). */
export function riskOptions(overrides: RiskOverrides = {}): RiskOptions {
  const out = { ...DEFAULT_OPTIONS } as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    const base = (DEFAULT_OPTIONS as unknown as Record<string, unknown>)[key];
    out[key] = value !== null && typeof value === 'object' && !Array.isArray(value) && typeof base === 'object' ? { ...base, ...value } : value;
  }
  return out as unknown as RiskOptions;
}
