// Where histories and the prior live: the store's risk documents (server/store/types.ts,
// RiskHistories: memory or Redis, one JSON string each, a history expiring six months after its
// last write, every document refused past its byte bound), typed here. The model only needs get
// and put. Beside them, the sign-ins scored lately (a capped feed per account): what the owner's
// "this was me / this wasn't me" refers to.
//
// Serialised form: JSON.stringify of the object as it is (no Maps, no classes, short keys),
// `v` is the format version. A history is a few KB (2.5 KB median, 4.9 KB the largest over
// the benchmark's 2,000 synthetic people); the caps in options.history (≤ 8 countries, 16 ASNs,
// 32 networks, 64 addresses, 24 UA leaves, 12 devices, 16 reports, 16 recent keys) keep it under
// 12 KB whatever it is fed (test/risk/history.test.ts).
//
//   RiskHistory {
//     v: 1,               format version
//     d: 20423,           day (since 1970-01-01 UTC) the counts were last decayed to
//     n: 41.7,            sign-ins recorded, decayed (half-life options.history.halfLifeDays)
//     loc: { "DE": [41.7, 20423, { "AS3320": [30.2, 20423, { "2003:e2:1f00::/48": [30.2, 20423,
//              { "2003:e2:1f00::1": [30.2, 20423] }, 1] }, 1] }, 1] },
//                         country → ASN → network → IP; an inner node is [count, day last seen,
//                         children, number of children], a leaf [count, day last seen]
//     ua: { "desktop": [38, 20423, { "Windows": [ … { "Firefox": [ … { "v125": [38, 20423] }, 1] … ] }, 1] },
//                         device type → OS → browser → major version
//     h: [24 numbers],    by UTC hour
//     w: [7 numbers],     by UTC weekday, 0 = Sunday
//     g: [15 numbers],    by time since the previous sign-in (log₂ bins, features.ts)
//     s: [3 numbers],     by travel class: none, plausible, impossible
//     dn: 2.9,            sign-ins from a device new to the account
//     dev: { "<device id>": 20423 },          known devices → day last seen
//     last: { t: 1764633600000, cc: "DE", net: "2003:e2:1f00::/48", lat: 50.62, lon: 9.51, city: "Bad Salzschlirf" },
//     x: [["net", "203.0.113.0/24", 20420], ["dev", "<id>", 20420]],   reported "not me"
//     r: ["miqc8g00", …]  keys of the latest recorded sign-ins (time in base 36)
//   }
//
//   GlobalPrior { v, d, n, loc (country → ASN → network), ua, h, w, g, s, dn, z (nodes per level) }
//   bounded by options.prior (300 countries, 3,000 ASNs, 5,000 networks, 1,024 UA leaves):
//   164 KB for the benchmark's 2,000 people, ~300 KB at the caps. Read it once and refresh it
//   now and then rather than on every sign-in; add to it in batches (addToPriorInPlace).
import type { Feeds, RiskHistories } from '../store/types.ts';
import { emptyHistory } from './history.ts';
import { DEFAULT_OPTIONS, type RiskOptions } from './options.ts';
import { emptyPrior } from './prior.ts';
import type { GlobalPrior, RiskHistory, SignIn, SignInOutcome } from './types.ts';

/** A sign-in as it was scored, kept for the owner's feedback on it. */
export interface ScoredSignIn {
  /** signInKey(signIn): what the console's buttons name it by. */
  key: string;
  signIn: SignIn;
  decision: 'allow' | 'step_up' | 'deny';
  /** Whether it went into the history (a refused one never does). */
  recorded: boolean;
  outcome?: SignInOutcome;
}

export interface RiskHistoryStore {
  /** The account's history; a new account's is empty. */
  getHistory(accountId: string): Promise<RiskHistory>;
  putHistory(accountId: string, history: RiskHistory): Promise<void>;
  getPrior(): Promise<GlobalPrior>;
  putPrior(prior: GlobalPrior): Promise<void>;
  /** Keeps a scored sign-in for feedback (the newest `recentScored`, for the history's age). */
  keepScored(accountId: string, scored: ScoredSignIn): Promise<void>;
  /** A scored sign-in still kept, by key. */
  findScored(accountId: string, key: string): Promise<ScoredSignIn | undefined>;
}

/** Bytes a history may take: the caps keep one under 12 KB (test/risk/history.test.ts). */
export const MAX_HISTORY_BYTES = 16 * 1024;
/** ~300 KB at the prior's caps. */
export const MAX_PRIOR_BYTES = 1024 * 1024;
/** Scored sign-ins kept per account for feedback. */
export const RECENT_SCORED = 32;

function parse<T>(raw: string | undefined, empty: () => T, version: number): T {
  if (raw === undefined) return empty();
  try {
    const value = JSON.parse(raw) as { v?: number };
    // A document of another format version (or damaged) is started again, not misread.
    return value && value.v === version ? (value as T) : empty();
  } catch {
    return empty();
  }
}

/** The typed risk store over the store's documents and feeds. */
export function riskHistoryStore(histories: RiskHistories, feeds: Feeds, options: RiskOptions = DEFAULT_OPTIONS): RiskHistoryStore {
  const ttlSeconds = options.history.maxAgeDays * 86_400;
  const feed = (accountId: string) => `risk-signins:${accountId}`;
  return {
    getHistory: async (accountId) => parse(await histories.get(accountId), emptyHistory, 1),
    putHistory: (accountId, history) => histories.put(accountId, JSON.stringify(history), { ttlSeconds, maxBytes: MAX_HISTORY_BYTES }),
    getPrior: async () => parse(await histories.getPrior(), emptyPrior, 1),
    putPrior: (prior) => histories.putPrior(JSON.stringify(prior), { maxBytes: MAX_PRIOR_BYTES }),
    keepScored: (accountId, scored) => feeds.push(feed(accountId), JSON.stringify(scored), { max: RECENT_SCORED, ttlSeconds }),
    async findScored(accountId, key) {
      for (const raw of await feeds.read(feed(accountId), RECENT_SCORED)) {
        const scored = JSON.parse(raw) as ScoredSignIn;
        if (scored.key === key) return scored;
      }
      return undefined;
    },
  };
}
