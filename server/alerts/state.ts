// What the alert rules remember between events: a plain JSON object, so it can be kept in Redis
// as it is. It is bounded two ways:
//   - by time: failure times older than their rule's window, cool-downs that have run out and
//     accounts unseen for `limits.accountMemoryMs` are dropped (touched entries at once, the whole
//     state every `limits.sweepEveryMs`);
//   - by count: each map holds at most its `limits` entries, evicting the least recently seen.
// Per entry, at most: a failure list of the rule's `count` times, a network's `distinctAccounts`
// accounts, an account's `countriesPerAccount` countries and one last location. With the
// defaults, roughly: account 150 + 14·10 (failures) + 5·16 (countries) ≈ 400 bytes, login
// 60 + 14·10 ≈ 200, address 60 + 14·25 ≈ 410, network 60 + 40·10 ≈ 460, cool-down ≈ 90;
// so at most about 4 MB + 2 MB + 4.1 MB + 2.3 MB + 0.9 MB ≈ 13 MB in all. A month of 200 people
// is a few tens of kB (test/alerts/normal-month.test.ts measures it).
//
// Failed sign-ins at unknown logins count in `logins`, apart from real accounts' histories in
// `accounts`: an attacker can create login entries at will, and must not be able to evict the
// baseline of real accounts by doing so.
import type { Thresholds } from './thresholds.ts';

export interface LastLocation {
  at: number;
  latitude: number;
  longitude: number;
  country: string;
  city?: string;
}

export interface AccountEntry {
  /** Latest event time seen for it: what eviction and forgetting go by. */
  last: number;
  /** Times of recent failed sign-ins, oldest first. */
  failures: number[];
  /** Successful sign-ins seen, counted up to the learning threshold only. */
  signIns: number;
  /** Countries signed in from, least recent first. */
  countries: string[];
  located?: LastLocation;
}

export interface FailureEntry {
  last: number;
  failures: number[];
}

export interface NetworkEntry {
  last: number;
  /** Account key → its latest failure time from this network. */
  accounts: Record<string, number>;
}

export interface AlertState {
  version: 1;
  /** Real accounts, by sub. */
  accounts: Record<string, AccountEntry>;
  /** Logins that name no account, by login hash. */
  logins: Record<string, FailureEntry>;
  /** Addresses (IPv6 by /64). */
  ips: Record<string, FailureEntry>;
  /** Networks (/24, /48), for password spraying. */
  networks: Record<string, NetworkEntry>;
  /** `rule|subject` → when that alert last fired. */
  cooldowns: Record<string, number>;
  sweptAt: number;
}

export function emptyState(): AlertState {
  return { version: 1, accounts: {}, logins: {}, ips: {}, networks: {}, cooldowns: {}, sweptAt: 0 };
}

type Maps = Omit<AlertState, 'version' | 'sweptAt'>;
export type MapName = keyof Maps;

const LIMIT: Record<MapName, keyof Thresholds['limits']> = {
  accounts: 'accounts',
  logins: 'logins',
  ips: 'ips',
  networks: 'networks',
  cooldowns: 'cooldowns',
};

const ageOf = (value: number | { last: number }) => (typeof value === 'number' ? value : value.last);

/**
 * A copy-on-write view of a state for one evaluation: maps are copied the first time they are
 * written, entries are replaced and never changed in place, so the state given is left as it was.
 */
export function draftOf(state: AlertState, limits: Thresholds['limits']) {
  const next: AlertState = { ...state };
  const copied = new Set<MapName>();
  const writable = <M extends MapName>(map: M): Maps[M] => {
    if (!copied.has(map)) {
      next[map] = { ...state[map] } as AlertState[M];
      copied.add(map);
    }
    return next[map];
  };
  return {
    get<M extends MapName>(map: M, key: string): Maps[M][string] | undefined {
      return Object.hasOwn(next[map], key) ? (next[map][key] as Maps[M][string]) : undefined;
    },
    set<M extends MapName>(map: M, key: string, value: Maps[M][string]) {
      (writable(map) as Record<string, unknown>)[key] = value;
    },
    delete(map: MapName, key: string) {
      if (Object.hasOwn(next[map], key)) delete (writable(map) as Record<string, unknown>)[key];
    },
    /** The next state: each written map cut back to its limit, least recently seen out first. */
    finish(): AlertState {
      for (const map of copied) {
        const entries = next[map] as Record<string, number | { last: number }>;
        for (let over = Object.keys(entries).length - limits[LIMIT[map]]; over > 0; over--) {
          // Usually one over (one new entry): a linear scan for the oldest, not a sort.
          let oldest: string | undefined;
          for (const key in entries) if (oldest === undefined || ageOf(entries[key]!) < ageOf(entries[oldest]!)) oldest = key;
          delete entries[oldest!];
        }
      }
      return next;
    },
  };
}

export type Draft = ReturnType<typeof draftOf>;

/** Times after `since`, the newest `keep` of them, oldest first. */
export function recent(times: readonly number[], since: number, keep: number): number[] {
  return times
    .filter((t) => t > since)
    .sort((a, b) => a - b)
    .slice(-keep);
}

/**
 * The state without anything expired: failure times out of their windows, cool-downs run out,
 * accounts forgotten. `cooldownOf` tells a cool-down key's length.
 */
export function sweep(state: AlertState, now: number, thresholds: Thresholds, cooldownOf: (key: string) => number): AlertState {
  const { failedSignInsPerAccount: perAccount, failedSignInsPerIp: perIp, passwordSpraying: spraying, limits } = thresholds;
  const failures = (map: Record<string, FailureEntry>, windowMs: number, keep: number) =>
    Object.fromEntries(
      Object.entries(map).flatMap(([key, entry]) => {
        const kept = recent(entry.failures, now - windowMs, keep);
        return kept.length ? [[key, { ...entry, failures: kept }]] : [];
      }),
    );
  const accounts = Object.fromEntries(
    Object.entries(state.accounts).flatMap(([key, entry]) =>
      now - entry.last >= limits.accountMemoryMs
        ? []
        : [[key, { ...entry, failures: recent(entry.failures, now - perAccount.windowMs, perAccount.count) }]],
    ),
  );
  const networks = Object.fromEntries(
    Object.entries(state.networks).flatMap(([key, entry]) => {
      const kept = Object.entries(entry.accounts).filter(([, at]) => at > now - spraying.windowMs);
      return kept.length ? [[key, { ...entry, accounts: Object.fromEntries(kept) }]] : [];
    }),
  );
  const cooldowns = Object.fromEntries(Object.entries(state.cooldowns).filter(([key, at]) => now - at < cooldownOf(key)));
  return {
    version: 1,
    accounts,
    logins: failures(state.logins, perAccount.windowMs, perAccount.count),
    ips: failures(state.ips, perIp.windowMs, perIp.count),
    networks,
    cooldowns,
    sweptAt: now,
  };
}
