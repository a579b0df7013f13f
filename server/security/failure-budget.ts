// Plain failure budgets (admin tokens, client authentication, device user codes): failures are
// counted per window after the fact, and an attempt is refused, before anything checks its
// secret, while any of its counters is spent. A refusal costs one read per counter and checks
// nothing, so it is far cheaper than the check it spares.
import type { Limiter, Store } from '../store/types.ts';
import { budgetDecision, strictest, type Decision, type FailureBudget } from './decisions.ts';
import type { Pseudonym } from './pseudonyms.ts';

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
  const named = (keys: Partial<Record<D, string>>) =>
    (Object.entries(keys) as [D, string | undefined][]).filter((entry): entry is [D, string] => entry[1] !== undefined).map(([d, key]) => [d, pseudonym(prefix, d, key)] as const);
  return {
    async check(keys) {
      const entries = named(keys);
      const states = await Promise.all(entries.map(([d, key]) => limiters.get(d)!.get(key)));
      return strictest(entries.map(([d], i) => budgetDecision(states[i], budgets[d], d)));
    },
    async fail(keys) {
      await Promise.all(named(keys).map(([d, key]) => limiters.get(d)!.consume(key)));
    },
  };
}
