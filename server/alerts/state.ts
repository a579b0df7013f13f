// What the alert rules remember between events: a plain JSON object, so it can be kept in Redis
// as it is. It is bounded two ways:
//   - by time: failure times older than their rule's window, cool-downs that have run out and
//     accounts unseen for `limits.accountMemoryMs` are dropped (touched entries at once, the whole
//     state every `limits.sweepEveryMs`);
//   - by count: each map holds at most its `limits` entries; past that, the least recently
//     written tenth goes (keys are kept in write order, which JSON keeps too).
// Per entry, at most: a failure list of the rule's `count` times, a network's `distinctAccounts`
// accounts, an account's `countriesPerAccount` countries and one last location. With the
// defaults and Latchkey's 22-character subs, serialised, roughly: an account 150 + 14·10
// (failures) + 5·16 (countries) ≈ 400 bytes, a login 60 + 14·10 ≈ 200, an address 60 + 14·25
// ≈ 410, a network 60 + 40·10 ≈ 460, a cool-down ≈ 90; so with every map full, about 4 MB +
// 2 MB + 4.1 MB + 2.3 MB + 0.9 MB ≈ 13 MB. A month of 200 people is about 40 kB
// (test/alerts/normal-month.test.ts measures it, and evaluate.test.ts the bound).
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

// Map sizes, counted once per map object and kept up to date as entries come and go: counting
// the keys of a full map on every event would cost more than the rules.
const sizes = new WeakMap<object, number>();
const sizeOf = (map: object) => {
  let size = sizes.get(map);
  if (size === undefined) sizes.set(map, (size = Object.keys(map).length));
  return size;
};

/**
 * The rules' access to a state, updating it in place: an entry written moves to the end of its
 * map, and a map over its limit loses its first (least recently written) tenth. None of the
 * keys is an array index (subs and hashes are 22 characters, addresses and cool-down keys hold
 * `.`, `:`, `/` or `|`), so JavaScript keeps them all in write order.
 */
export function memoryOf(state: AlertState, limits: Thresholds['limits']) {
  return {
    get<M extends MapName>(map: M, key: string): Maps[M][string] | undefined {
      const entries = state[map] as Record<string, Maps[M][string]>;
      return Object.hasOwn(entries, key) ? entries[key] : undefined;
    },
    set<M extends MapName>(map: M, key: string, value: Maps[M][string]) {
      const entries = state[map] as Record<string, unknown>;
      let size = sizeOf(entries);
      if (Object.hasOwn(entries, key)) delete entries[key];
      else size++;
      entries[key] = value;
      const limit = limits[LIMIT[map]];
      if (size > limit) {
        // Enumerating a large object's keys costs as much as all of them: cut a tenth at a time,
        // so a flood of new subjects pays for one enumeration per tenth of the map.
        const target = Math.floor(limit * 0.9);
        for (const first in entries) {
          delete entries[first];
          if (--size <= target) break;
        }
      }
      sizes.set(entries, size);
    },
  };
}

export type Memory = ReturnType<typeof memoryOf>;

/** Times after `since`, the newest `keep` of them, oldest first. */
export function recent(times: readonly number[], since: number, keep: number): number[] {
  return times
    .filter((t) => t > since)
    .sort((a, b) => a - b)
    .slice(-keep);
}

/**
 * Drops, in place, everything expired: failure times out of their windows, cool-downs run out,
 * accounts forgotten. `cooldownOf` tells a cool-down key's length.
 */
export function sweep(state: AlertState, now: number, thresholds: Thresholds, cooldownOf: (key: string) => number) {
  const { failedSignInsPerAccount: perAccount, failedSignInsPerIp: perIp, passwordSpraying: spraying, limits } = thresholds;
  const prune = <E>(map: Record<string, E>, keep: (entry: E, key: string) => E | undefined) => {
    for (const [key, entry] of Object.entries(map)) {
      const kept = keep(entry, key);
      if (kept === undefined) delete map[key];
      else map[key] = kept; // same key, same place in the write order
    }
    sizes.delete(map);
  };
  const failures = (windowMs: number, count: number) => (entry: FailureEntry) => {
    const kept = recent(entry.failures, now - windowMs, count);
    return kept.length ? { ...entry, failures: kept } : undefined;
  };
  prune(state.accounts, (entry) =>
    now - entry.last >= limits.accountMemoryMs ? undefined : { ...entry, failures: recent(entry.failures, now - perAccount.windowMs, perAccount.count) },
  );
  prune(state.logins, failures(perAccount.windowMs, perAccount.count));
  prune(state.ips, failures(perIp.windowMs, perIp.count));
  prune(state.networks, (entry) => {
    const kept = Object.entries(entry.accounts).filter(([, at]) => at > now - spraying.windowMs);
    return kept.length ? { ...entry, accounts: Object.fromEntries(kept) } : undefined;
  });
  prune(state.cooldowns, (at, key) => (now - at < cooldownOf(key) ? at : undefined));
  state.sweptAt = now;
}
