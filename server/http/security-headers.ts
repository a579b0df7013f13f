// Security headers on every response. Written by hand rather than with helmet because
// oidc-provider edits our Content-Security-Policy in place (it appends the hash of its one
// inline form_post script to script-src), so the policy must be one plain header we control.
// No form-action directive: after a sign-in form posts, the browser follows redirects to the
// client's redirect_uri, which form-action would block.
//
// Two sets. Pages get the document headers. JSON endpoints (token, introspection, userinfo...:
// most of the traffic) get the short set OWASP recommends for APIs: a policy that allows
// nothing and forbids framing, nosniff, HSTS; the rest only concerns documents and would be a
// few hundred bytes more on every token request. An error rendered as a page on such a path
// gets the page set (see usePageHeaders).
import type { Context, Middleware } from 'koa';

const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE: [string, string][] = [
  ['Content-Security-Policy', PAGE_CSP],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
];
const API: [string, string][] = [
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['X-Content-Type-Options', 'nosniff'],
];
const HSTS = 'max-age=31536000; includeSubDomains';

/** Gives a response the page headers, for a page rendered on a JSON endpoint's path. */
export function usePageHeaders(ctx: Context): void {
  for (const [name, value] of PAGE) ctx.set(name, value);
}

/** isApi(path): true where every answer is JSON. */
export function securityHeaders(https: boolean, isApi: (path: string) => boolean): Middleware {
  return async (ctx, next) => {
    for (const [name, value] of isApi(ctx.path) ? API : PAGE) ctx.set(name, value);
    if (https) ctx.set('Strict-Transport-Security', HSTS);
    await next();
  };
}
