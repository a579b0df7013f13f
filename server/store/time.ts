// Time as both stores keep it, so they round TTLs and stamp `consumed` identically.

/** Seconds to milliseconds; at least 1 ms, because Redis refuses a zero expiry. */
export function ttlMs(expiresIn: number): number {
  return Math.max(1, Math.round(expiresIn * 1000));
}

export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
