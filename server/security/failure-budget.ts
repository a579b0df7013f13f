// Plain failure budgets (admin tokens, client authentication, device user codes): failures are
// counted per window after the fact, and an attempt is refused, before anything checks its
// secret, while any of its counters is spent. A refusal costs one read per counter and checks
// nothing, so it is far cheaper than the check it spares.
//
// Client authentication guards every token request, and nearly every one finds its counters
// empty: reading three counters each time cost a third of the token endpoint's throughput
// (bench/). So a counter read as empty is taken as empty for a second on this instance, and a
// failure here forgets that at once: on one instance the count is exact, and another instance's
// failures reach this one within a second (at most one more attempt per second per instance).
import type { Limiter, Store } from '../store/types.ts';
import { ALLOW, budgetDecision, strictest, type Decision, type FailureBudget } from './decisions.ts';
import type { Pseudonym } from './pseudonyms.ts';

const EMPTY_FOR_MS = 1_000;
/** Bounds the memory of empty counters; past it, it starts again. */
const MAX_REMEMBERED = 10_000;

export interface FailureBudgets<D extends string> {
  /** The strictest decision over the counters named. */
  check(keys: Partial<Record<D, string>>): Promise<Decision>;
  /** Counts one failure on each counter named. */
  fail(keys: Partial<Record<D, string>>): Promise<void>;
}

export function failureBudgets<D extends string>(store: Store, pseudonym: Pseudonym, prefix: string, budgets: Record<D, FailureBudget>): FailureBudgets<D> {
  const limiters = new Map<D, Limiter>();
  for (const [dimension, budget] of Object.entries(budgets) as [D, FailureBudget][]) {
    limiters.set(dimension, store.limiter(`${prefix}-${dimension}`, { points: budget.limit, durationSeconds: budget.windowSeconds }));
  }
  const given = (keys: Partial<Record<D, string>>) =>
    (Object.entries(keys) as [D, string | undefined][]).filter((entry): entry is [D, string] => entry[1] !== undefined);
  // Counters read as empty, until when (epoch ms). Raw keys, in this process only.
  const empty = new Map<string, number>();
  const cacheKey = (d: D, key: string) => `${d}\0${key}`;
  return {
    async check(keys) {
      const entries = given(keys);
      const now = Date.now();
      if (entries.every(([d, key]) => (empty.get(cacheKey(d, key)) ?? 0) > now)) return ALLOW;
      const states = await Promise.all(entries.map(([d, key]) => limiters.get(d)!.get(pseudonym(prefix, d, key))));
      if (empty.size >= MAX_REMEMBERED) empty.clear();
      entries.forEach(([d, key], i) => {
        if (states[i] === undefined) empty.set(cacheKey(d, key), now + EMPTY_FOR_MS);
      });
      return strictest(entries.map(([d], i) => budgetDecision(states[i], budgets[d], d)));
    },
    async fail(keys) {
      const entries = given(keys);
      for (const [d, key] of entries) empty.delete(cacheKey(d, key));
      await Promise.all(entries.map(([d, key]) => limiters.get(d)!.consume(pseudonym(prefix, d, key))));
    },
  };
}
