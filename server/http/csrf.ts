// CSRF protection for Latchkey's own forms (oidc-provider protects its logout and device forms
// with its own xsrf field). Double submit, signed: a random value in an HttpOnly, SameSite=Strict
// cookie, and in each form an HMAC of it under the cookie secret, so a token cannot be minted
// without the secret nor replayed from another browser. Hand-written because the Koa CSRF
// packages depend on a session store, which these pages do not otherwise need.
import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { forbidden } from './errors.ts';


type Secret = ReturnType<typeof createSecretKey>;

function sign(secret: Secret, value: string): string {
  return createHmac('sha256', secret).update(`csrf:${value}`).digest('base64url');
}

// Imported once: an HMAC over a raw string key imports it again on every call.
const keys = new Map<string, Secret>();
const keyOf = (secret: string) => {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = createSecretKey(Buffer.from(secret))));
  return key;
};

/** Makes `ctx.state.csrf` available to templates, setting the cookie when missing. */
export function csrfToken(secrets: string[], cookie: string): Middleware {
  const [secret] = secrets as [string];
  return async (ctx, next) => {
    let value = ctx.cookies.get(cookie);
    if (!value || !/^[\w-]{43}$/.test(value)) {
      value = randomBytes(32).toString('base64url');
      ctx.cookies.set(cookie, value, { httpOnly: true, sameSite: 'strict', secure: ctx.secure, path: '/', overwrite: true });
    }
    ctx.state.csrf = sign(keyOf(secret), value);
    await next();
  };
}

/** Rejects a state-changing request whose `_csrf` field does not match the cookie. */
export function verifyCsrf(ctx: Context, secrets: string[], cookie: string, submitted: unknown): void {
  const value = ctx.cookies.get(cookie);
  const ok =
    typeof submitted === 'string' &&
    value !== undefined &&
    secrets.some((secret) => {
      const expected = Buffer.from(sign(keyOf(secret), value));
      const given = Buffer.from(submitted);
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  if (!ok) throw forbidden('This form has expired or was not sent by this site. Go back, reload the page and try again.');
}
