// Answers only for the issuer's host. oidc-provider builds endpoint URLs from the request's
// Host (discovery, device verification_uri, form actions), so a forged Host header would make
// it advertise endpoints elsewhere, and a shared cache could keep that answer for everyone.
// Development also accepts the loopback aliases of the issuer (localhost, 127.0.0.1, [::1]).
import type { Middleware } from 'koa';
import { LatchkeyError } from '../errors.ts';

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

export function hostCheck(issuer: string, development: boolean): Middleware {
  const { host, hostname, port } = new URL(issuer);
  const allowed = new Set([host]);
  if (development && LOOPBACK.includes(hostname)) {
    for (const alias of LOOPBACK) allowed.add(port ? `${alias}:${port}` : alias);
  }
  return async (ctx, next) => {
    // HTTP/1.1 (RFC 9112 §3.2): a request with more than one Host header gets a 400. Node keeps the
    // first and drops the rest, so a proxy that reads the last would route it elsewhere.
    if (hostHeaders(ctx.req.rawHeaders) > 1) throw new LatchkeyError(400, 'invalid_request', 'A request must carry exactly one Host header.');
    // ctx.host honours X-Forwarded-Host only when proxies are trusted (TRUST_PROXY).
    if (!allowed.has(ctx.host.toLowerCase())) {
      throw new LatchkeyError(421, 'misdirected_request', `This server answers only as ${issuer}.`);
    }
    await next();
  };
}

function hostHeaders(raw: string[]): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') count++;
  return count;
}
