// offline_access without prompt=consent. oidc-provider drops `offline_access` from any request
// that does not also say `prompt=consent` (OpenID Connect Core §11 allows other conditions; the
// library knows of none), so an RP that asks for a refresh token the ordinary way gets none, and
// no error. Latchkey's rule instead:
//
//   A request for offline_access gets a refresh token without the consent page being forced when
//   the person has already allowed that app offline access (their grant holds offline_access and
//   everything else asked). Otherwise the consent page is shown and names it ("Stay connected
//   when you are not using the app").
//
// How: before oidc-provider reads a plain GET authorization request that asks for offline_access
// without prompt=consent, this layer adds `consent` to its prompt, so the library keeps the scope,
// and marks the request (MARKER, an extraParams parameter, kept with the interaction). The consent
// prompt's forced check (`consent_prompt`) then ignores a consent Latchkey added, and the usual
// checks decide: a scope missing from the grant, offline_access included, asks for consent. Any
// MARKER a client sends is removed first, so the mark is only ever Latchkey's. Requests sent as a
// request object or pushed (PAR) are left as the library treats them: they need prompt=consent.
// The library behaviour relied on (the drop, the forced check's name) is internals.ts entry 10.
import type { Middleware } from 'koa';

export const OFFLINE_MARKER = 'latchkey_consent_added';
const OFFLINE_ACCESS = 'offline_access';

const words = (value: string | null) => (value ?? '').split(' ').filter(Boolean);

/** The layer in front of oidc-provider's authorization endpoint (provider.use). */
export function offlineAccessRequests(authorizationPath: string): Middleware {
  return async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === authorizationPath) {
      const params = new URLSearchParams(ctx.querystring);
      const forged = params.has(OFFLINE_MARKER);
      params.delete(OFFLINE_MARKER);
      const prompt = words(params.get('prompt'));
      const add =
        words(params.get('scope')).includes(OFFLINE_ACCESS) &&
        !prompt.includes('consent') &&
        // prompt=none must stay alone; a request object or PAR carries its own parameters.
        !prompt.includes('none') &&
        !params.has('request') &&
        !params.has('request_uri');
      if (add) {
        params.set('prompt', [...prompt, 'consent'].join(' '));
        params.set(OFFLINE_MARKER, '1');
      }
      if (add || forged) ctx.querystring = params.toString();
    }
    return next();
  };
}
