// Wrong user codes on the device verification page (RFC 8628 §5.1: the server MUST rate-limit
// user code attempts). Counted per client address: ten wrong codes in ten minutes, then a 429
// page that says to wait. oidc-provider draws the page and decides whether the code was wrong;
// its page hook (interactions/provider-pages.ts) marks ctx.state.userCodeRejected, and this layer
// counts that.
import type { Middleware } from 'koa';
import { LatchkeyError } from '../errors.ts';
import { ROUTES } from '../http/routes.ts';
import type { Store } from '../store/types.ts';
import { clientOf } from './addresses.ts';
import { inWords } from './decisions.ts';
import { failureBudgets } from './failure-budget.ts';
import type { Pseudonym } from './pseudonyms.ts';

// A person mistypes a code a few times; a guesser needs billions of tries (8 characters of 20).
export const USER_CODE_BUDGET = { limit: 10, windowSeconds: 600 };

export function userCodeThrottle(store: Store, pseudonym: Pseudonym): Middleware {
  const budgets = failureBudgets(store, pseudonym, 'user-code', { ip: USER_CODE_BUDGET });
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== ROUTES.code_verification.path) return next();
    const keys = { ip: clientOf(ctx.ip) };
    const decision = await budgets.check(keys);
    if (decision.kind === 'refuse') {
      throw new LatchkeyError(
        429,
        'too_many_requests',
        `Too many wrong codes were entered from here. Wait ${inWords(decision.retryAfter)}, check the code your device shows, and try again.`,
        { retryAfter: decision.retryAfter, backUrl: ROUTES.code_verification.path },
      );
    }
    await next();
    if (ctx.state.userCodeRejected === true) await budgets.fail(keys);
  };
}
