// Which browser origins may call the token, userinfo and revocation endpoints: a public client
// (an SPA) from the origins of its registered redirect URIs; confidential clients never need
// CORS (their calls come from servers). Shared by oidc-provider's clientBasedCORS and by
// Latchkey's own answers on those endpoints (the refresh grace window).
import type { Context } from 'koa';

export interface CorsClient {
  clientAuthMethod?: string;
  readonly redirectUris?: readonly string[];
}

export function originAllowed(origin: string, client: CorsClient, route?: string): boolean {
  if (origin === 'null') return false;
  if (client.clientAuthMethod !== 'none' && route !== 'userinfo') return false;
  return client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false;
}

/** Adds the CORS headers oidc-provider would have added, for a response Latchkey writes itself. */
export function allowClientOrigin(ctx: Context, client: CorsClient): void {
  ctx.vary('Origin');
  const origin = ctx.get('Origin');
  if (origin && originAllowed(origin, client)) ctx.set('Access-Control-Allow-Origin', origin);
}
