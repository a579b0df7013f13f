// Dynamic client registration (/reg, RFC 7591/7592), per client address. Initial and
// registration access tokens are guessable only by trying them, so requests oidc-provider refuses
// for a token (401) are counted: ten per ten minutes. Registrations themselves fill the client
// registry, so even with a good (reusable) token one address registers at most twenty clients an
// hour. While either budget is spent, /reg answers 429 with Retry-After before the library looks
// at the token.
import type { Middleware } from 'koa';
import { tooManyRequests } from '../errors.ts';
import { isUnder, ROUTES } from '../http/routes.ts';
import type { Store } from '../store/types.ts';
import { clientOf } from './addresses.ts';
import { failureBudgets } from './failure-budget.ts';
import type { Pseudonym } from './pseudonyms.ts';

export const REGISTRATION_BUDGETS = {
  'bad-token': { limit: 10, windowSeconds: 600 },
  registered: { limit: 20, windowSeconds: 3600 },
};

export function registrationThrottle(store: Store, pseudonym: Pseudonym): Middleware {
  const budgets = failureBudgets(store, pseudonym, 'registration', REGISTRATION_BUDGETS);
  return async (ctx, next) => {
    if (!isUnder(ctx.path, 'registration')) return next();
    const ip = clientOf(ctx.ip);
    const creating = ctx.method === 'POST' && ctx.path === ROUTES.registration.path;
    const decision = await budgets.check(creating ? { 'bad-token': ip, registered: ip } : { 'bad-token': ip });
    if (decision.kind === 'refuse') {
      throw tooManyRequests(`Too many client registration attempts; try again in ${decision.retryAfter} seconds.`, decision.retryAfter);
    }
    await next();
    if (ctx.status === 401) await budgets.fail({ 'bad-token': ip });
    else if (creating && ctx.status === 201) await budgets.fail({ registered: ip });
  };
}
