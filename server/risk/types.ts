// The risk model's data: what a sign-in is, what an account's history and the global prior keep,
// and what a score says. History and prior are plain JSON-ready objects with short keys: they are
// stored as they are (one JSON document each; see store.ts for the layout).
import type { GeoInfo } from '../geo/lookup.ts';
import type { UserAgentInfo } from '../http/user-agent.ts';
import type { CountTree } from './counts.ts';

export interface SignIn {
  /** When, ms since the epoch. */
  at: number;
  ip: string;
  geo: GeoInfo;
  userAgent: UserAgentInfo;
  /**
   * The id carried by the signed device cookie the browser presented, after its signature was
   * checked; absent when it sent none. Opaque, short (a hash of the cookie's id, not the cookie).
   */
  deviceId?: string;
}

/** Travel since the previous sign-in: none (or too short to tell from geolocation noise), plausible, impossible. */
export const TRAVEL = ['none', 'plausible', 'impossible'] as const;
export type TravelClass = (typeof TRAVEL)[number];

/** What an account's past successful sign-ins look like. Counts decay (half-life in options). */
export interface RiskHistory {
  v: 1;
  /** Day (since 1970-01-01 UTC) the counts were last decayed to. */
  d: number;
  /** Sign-ins recorded (decayed). */
  n: number;
  /** country → ASN → network (/24, /48) → IP. */
  loc: CountTree;
  /** device type → OS → browser → browser major version. */
  ua: CountTree;
  /** By hour of day, UTC (24). */
  h: number[];
  /** By weekday, UTC, 0 = Sunday (7). */
  w: number[];
  /** By time since the previous sign-in, log₂ bins (see features.ts). */
  g: number[];
  /** By travel class since the previous sign-in (TRAVEL order), of sign-ins from a network new to the account. */
  s: number[];
  /** Sign-ins from a device new to the account (decayed, like n). */
  dn: number;
  /** Known device ids → day last seen. */
  dev: { [id: string]: number };
  /** The latest recorded sign-in: when (ms) and where. */
  last?: LastPlace;
  /** What the owner said was not them: [kind, value, day reported]. */
  x: Disowned[];
  /** Keys of the latest recorded sign-ins (feedback on one of them must not count it twice). */
  r: string[];
}

export interface LastPlace {
  t: number;
  cc: string;
  net: string;
  lat?: number;
  lon?: number;
  city?: string;
}

export type Disowned = [kind: 'net' | 'dev', value: string, day: number];

/** What all accounts' successful sign-ins look like: the attacker's stand-in, and a new account's. */
export interface GlobalPrior {
  v: 1;
  d: number;
  n: number;
  /** country → ASN → network (no IP level: one IP says little across accounts). */
  loc: CountTree;
  ua: CountTree;
  h: number[];
  w: number[];
  g: number[];
  s: number[];
  dn: number;
  /** Nodes per level of loc (3) then ua (4), kept up to date so that adding need not count them. */
  z: number[];
}

export type Decision = 'allow' | 'step_up' | 'deny';

export type FeatureName =
  | 'country'
  | 'asn'
  | 'network'
  | 'ip'
  | 'deviceType'
  | 'os'
  | 'browser'
  | 'browserVersion'
  | 'device'
  | 'hour'
  | 'weekday'
  | 'gap'
  | 'travel'
  | 'disowned';

export interface Factor {
  feature: FeatureName;
  /** ln(p(value | attacker) / p(value | this account)): positive is suspicious. */
  logRatio: number;
  reason?: string;
}

export interface Assessment {
  /** Sum of the factors' log ratios (natural log of the likelihood ratio attacker : owner). */
  score: number;
  decision: Decision;
  /** Plain-language reasons, strongest first: the factors that pushed the score up. */
  reasons: string[];
  factors: Factor[];
}

/** How a recorded sign-in succeeded: only successful sign-ins are ever recorded. */
export interface SignInOutcome {
  via: 'password' | 'step_up';
  /** The device cookie the browser now holds (a new one when it presented none): it becomes known. */
  deviceId?: string;
}

export type Verdict = 'was_me' | 'not_me';
