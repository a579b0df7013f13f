// Bearer-token authentication for the admin API. Both sides are hashed before the comparison so
// timingSafeEqual always compares equal lengths and the token's length does not leak either.
// Wrong tokens are counted per address; past the budget the token is not even compared (429).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { tooManyRequests } from '../errors.ts';
import type { AdminThrottle } from '../security/admin-throttle.ts';
import type { ErrorBody } from './errors.ts';

const REALM = 'latchkey-admin';
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

function deny(ctx: Context, challenge: string, description: string): void {
  ctx.status = 401;
  ctx.set('WWW-Authenticate', challenge);
  ctx.body = { error: 'invalid_token', error_description: description } satisfies ErrorBody;
}

export function requireBearerToken(token: string, throttle?: AdminThrottle) {
  const expected = digest(token);
  return async function bearerToken(ctx: Context, next: Next): Promise<void> {
    const match = /^Bearer +(\S+) *$/i.exec(ctx.get('Authorization'));
    if (!match?.[1]) {
      // RFC 6750 §3.1: no error code when the request carried no credentials at all.
      return deny(ctx, `Bearer realm="${REALM}"`, 'an admin token is required (Authorization: Bearer <token>)');
    }
    const decision = await throttle?.check(ctx.ip);
    if (decision?.kind === 'refuse') {
      throw tooManyRequests(`too many wrong admin tokens from this address; try again in ${decision.retryAfter} s`, decision.retryAfter);
    }
    if (!timingSafeEqual(digest(match[1]), expected)) {
      await throttle?.fail(ctx.ip);
      return deny(ctx, `Bearer realm="${REALM}", error="invalid_token"`, 'the admin token is not valid');
    }
    ctx.state.adminAuthenticated = true;
    await next();
  };
}
