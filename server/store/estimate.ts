// How many keys of a kind a Redis holds, estimated from a random sample of its keys: counting
// them exactly would mean a SCAN of the whole key space, and keeping a counter would cost a write
// on the hot path (a Session is saved on every authorization request). Pure: samples in,
// estimate out; the sampling itself is redis/sample.ts's.

/** What one master answered: its key count (DBSIZE) and what a sample of its keys held. */
export interface NodeSample {
  /** Keys the master holds, of every kind and deployment. */
  keys: number;
  /** Keys drawn (RANDOMKEY, with replacement); an empty database answers none. */
  drawn: number;
  /** How many of the drawn keys were of the kind counted. */
  hits: number;
}

/**
 * The estimated number of keys of the kind across the masters: each master's share of hits
 * times its key count, summed (each master holds its own slots, so their counts add up).
 * Rounded to a whole number; 0 for a master that drew nothing.
 */
export function estimateCount(nodes: NodeSample[]): number {
  let total = 0;
  for (const { keys, drawn, hits } of nodes) {
    if (drawn <= 0 || keys <= 0) continue;
    if (hits < 0 || hits > drawn) throw new RangeError(`a sample cannot hold ${hits} hits in ${drawn} draws`);
    total += (hits / drawn) * keys;
  }
  return Math.round(total);
}
