// DPoP proofs (RFC 9449) dated in the future. Without server nonces, oidc-provider accepts a
// proof whose iat is up to five minutes either side of its clock: a proof made now could be
// dated ahead and replayed later, once its jti has left the replay cache. Latchkey refuses proofs
// dated more than a minute ahead (room for a client's clock running fast); the proof itself is
// still verified by oidc-provider. With DPOP_NONCE on, server nonces bound freshness instead.
import { decodeJwt } from 'jose';
import type { Middleware } from 'koa';

export const MAX_FUTURE_SKEW_SECONDS = 60;

export function dpopFreshness(now = () => Date.now()): Middleware {
  return async (ctx, next) => {
    const proof = ctx.get('dpop');
    if (proof) {
      let iat: unknown;
      try {
        iat = decodeJwt(proof).iat;
      } catch {
        // Not even a JWT: oidc-provider answers it.
      }
      if (typeof iat === 'number' && iat > now() / 1000 + MAX_FUTURE_SKEW_SECONDS) {
        ctx.status = 400;
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { error: 'invalid_dpop_proof', error_description: 'DPoP proof iat is in the future; check the clock of the device' };
        return;
      }
    }
    await next();
  };
}
