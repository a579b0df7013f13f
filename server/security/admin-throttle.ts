// Wrong admin tokens, per client address: the admin token is one secret guarding everything, so
// ten wrong guesses per quarter hour from one address are plenty for an operator's typos.
import type { Store } from '../store/types.ts';
import { clientOf } from './addresses.ts';
import type { Decision } from './decisions.ts';
import { failureBudgets } from './failure-budget.ts';
import type { Pseudonym } from './pseudonyms.ts';

export const ADMIN_BUDGET = { limit: 10, windowSeconds: 15 * 60 };

export interface AdminThrottle {
  check(ip: string): Promise<Decision>;
  fail(ip: string): Promise<void>;
}

export function createAdminThrottle(store: Store, pseudonym: Pseudonym): AdminThrottle {
  const budgets = failureBudgets(store, pseudonym, 'admin', { ip: ADMIN_BUDGET });
  return {
    check: (ip) => budgets.check({ ip: clientOf(ip) }),
    fail: (ip) => budgets.fail({ ip: clientOf(ip) }),
  };
}
