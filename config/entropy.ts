// How guessable a secret an operator typed looks: its length times the Shannon entropy of its
// characters. Only an upper bound of the real entropy (it cannot tell "abcdef…" is a sequence),
// but it catches what people really set: 32 × "a", a word repeated, a short alphabet.
export const MIN_SECRET_BITS = 96;

export function estimatedBits(secret: string): number {
  const chars = [...secret];
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / chars.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * chars.length;
}
