// A seeded pseudo-random source (mulberry32): the same seed gives the same month every run.
export function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    /** A random id, as oidc-provider makes them: base64url of `bytes` random bytes. */
    id: (bytes: number) => Buffer.from(Array.from({ length: bytes }, () => int(0, 255))).toString('base64url'),
  };
}
export type Random = ReturnType<typeof random>;
