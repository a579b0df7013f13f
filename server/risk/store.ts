// Where histories and the prior live. The model only needs get and put; the in-memory store is
// for tests and development, a Redis one keeps each document as one JSON string.
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
import { emptyHistory } from './history.ts';
import { emptyPrior } from './prior.ts';
import type { GlobalPrior, RiskHistory } from './types.ts';

export interface RiskHistoryStore {
  /** The account's history; a new account's is empty. */
  getHistory(accountId: string): Promise<RiskHistory>;
  putHistory(accountId: string, history: RiskHistory): Promise<void>;
  getPrior(): Promise<GlobalPrior>;
  putPrior(prior: GlobalPrior): Promise<void>;
}

/**
 * Keeps the serialised JSON, not the objects, so a test sees exactly what a Redis store would
 * round-trip (and a caller mutating what it got cannot change what is stored).
 */
export class MemoryRiskHistoryStore implements RiskHistoryStore {
  readonly #histories = new Map<string, string>();
  #prior: string | undefined;

  async getHistory(accountId: string): Promise<RiskHistory> {
    const stored = this.#histories.get(accountId);
    return stored ? (JSON.parse(stored) as RiskHistory) : emptyHistory();
  }

  async putHistory(accountId: string, history: RiskHistory): Promise<void> {
    this.#histories.set(accountId, JSON.stringify(history));
  }

  async getPrior(): Promise<GlobalPrior> {
    return this.#prior ? (JSON.parse(this.#prior) as GlobalPrior) : emptyPrior();
  }

  async putPrior(prior: GlobalPrior): Promise<void> {
    this.#prior = JSON.stringify(prior);
  }

  /** Bytes of the stored JSON of one account (tests check the bound). */
  sizeOf(accountId: string): number {
    return Buffer.byteLength(this.#histories.get(accountId) ?? '');
  }
}
