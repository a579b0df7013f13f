// Liveness and readiness for orchestrators. /healthz says the process serves requests;
// /readyz says it can do useful work: the store answers and the signing keys are loaded.
import type { Middleware } from 'koa';
import { ROUTES } from './routes.ts';

// A process drains as a whole (main.ts on SIGTERM): from then on it is not ready, whatever the
// store and keys say, so that load balancers stop sending it requests before it stops listening.
let draining = false;
export function startDraining(): void {
  draining = true;
}

export function health(ready: () => Promise<{ store: boolean; keys: boolean }>): Middleware {
  return async (ctx, next) => {
    if (ctx.path === ROUTES.healthz.path && ctx.method === 'GET') {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.path === ROUTES.readyz.path && ctx.method === 'GET') {
      ctx.set('Cache-Control', 'no-store');
      const checks = await ready().catch(() => ({ store: false, keys: false }));
      const ok = checks.store && checks.keys && !draining;
      ctx.status = ok ? 200 : 503;
      ctx.body = { status: draining ? 'draining' : ok ? 'ready' : 'not_ready', checks };
      return;
    }
    await next();
  };
}
