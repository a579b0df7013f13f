// Failed client authentication at every endpoint where a client authenticates (token,
// introspection, revocation, pushed authorization requests, device authorization), counted from
// oidc-provider's answer (401 invalid_client) per client_id, per client_id and address, and per
// address. While a budget is spent the request is refused (429, OAuth JSON, Retry-After) before
// the library looks at the secret again.
//
// The client_id is read where the client puts it: the Basic header (no body read), else the
// form's client_id, else the subject of a client_assertion (private_key_jwt; not verified here:
// naming a client in a bad assertion is one more failure against that client, as a bad secret is).
// Unknown client_ids are counted like real ones.
//
// The per-client budget holds strangers off a client from many addresses; it can also hold up
// the client itself while someone guesses at it from a hundred addresses, for at most a window.
import type { Context, Middleware } from 'koa';
import { tooManyRequests } from '../errors.ts';
import { ROUTES, type RouteName } from '../http/routes.ts';
import type { Store } from '../store/types.ts';
import { clientOf } from './addresses.ts';
import { failureBudgets } from './failure-budget.ts';
import { formParams } from './form-body.ts';
import type { Pseudonym } from './pseudonyms.ts';

const TEN_MINUTES = 600;
export const CLIENT_AUTH_BUDGETS = {
  // A misconfigured client retries with the same wrong secret: it is told within ten.
  'client-ip': { limit: 10, windowSeconds: TEN_MINUTES },
  // One address trying many clients (or many made-up client_ids).
  ip: { limit: 30, windowSeconds: TEN_MINUTES },
  // One client from everywhere.
  client: { limit: 100, windowSeconds: TEN_MINUTES },
};

const AUTHENTICATED: RouteName[] = ['token', 'introspection', 'revocation', 'pushed_authorization_request', 'device_authorization'];
const PATHS = new Set<string>(AUTHENTICATED.map((route) => ROUTES[route].path));

function fromBasic(header: string): string | undefined {
  const basic = /^Basic +(\S+)$/i.exec(header)?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, 'base64').toString();
  const colon = decoded.indexOf(':');
  try {
    return decodeURIComponent(colon === -1 ? decoded : decoded.slice(0, colon));
  } catch {
    return decoded.slice(0, colon === -1 ? undefined : colon);
  }
}

function fromAssertion(assertion: string | null): string | undefined {
  const payload = assertion?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}

async function clientIdOf(ctx: Context): Promise<string | undefined> {
  const basic = fromBasic(ctx.get('authorization'));
  if (basic !== undefined) return basic;
  const params = await formParams(ctx);
  return params?.get('client_id') ?? fromAssertion(params?.get('client_assertion') ?? null);
}

/** oidc-provider's answer to a client that failed to authenticate. */
function failedAuthentication(ctx: Context): boolean {
  return ctx.status === 401 && (ctx.body as { error?: unknown } | undefined)?.error === 'invalid_client';
}

export function clientAuthThrottle(store: Store, pseudonym: Pseudonym): Middleware {
  const budgets = failureBudgets(store, pseudonym, 'client-auth', CLIENT_AUTH_BUDGETS);
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || !PATHS.has(ctx.path)) return next();
    const clientId = (await clientIdOf(ctx))?.slice(0, 256);
    const ip = clientOf(ctx.ip);
    const keys = clientId === undefined ? { ip } : { 'client-ip': `${clientId}\0${ip}`, ip, client: clientId };
    const decision = await budgets.check(keys);
    if (decision.kind === 'refuse') {
      throw tooManyRequests(`Too many failed client authentications; try again in ${decision.retryAfter} seconds.`, decision.retryAfter);
    }
    await next();
    if (failedAuthentication(ctx)) await budgets.fail(keys);
  };
}
