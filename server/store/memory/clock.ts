// Timed entries of the in-memory store: lazy expiry (an expired entry is dropped when read).
import { ttlMs } from '../time.ts';

export interface Timed<T> {
  value: T;
  /** Epoch milliseconds; Infinity when it never expires. */
  expiresAt: number;
}

export interface Clock {
  now(): number;
  /** The expiry of something that lives `expiresIn` seconds; Infinity for undefined. */
  expiresAt(expiresIn: number | undefined): number;
  /** The live value under key, dropping it when expired. */
  live<T>(map: Map<string, Timed<T>>, key: string): T | undefined;
}

export function clock(now: () => number): Clock {
  return {
    now,
    expiresAt: (expiresIn) => (expiresIn === undefined ? Infinity : now() + ttlMs(expiresIn)),
    live(map, key) {
      const entry = map.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt > now()) return entry.value;
      map.delete(key);
      return undefined;
    },
  };
}
