// GET /metrics: the Prometheus exposition, behind METRICS_TOKEN (a bearer token, compared in
// constant time, wrong ones counted per address like the admin API's). Without the setting the
// path answers 404, as if it did not exist: metrics say a lot about a deployment.
import compose from 'koa-compose';
import type { Context, Middleware } from 'koa';
import { requireBearerToken } from '../admin/auth.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { AdminThrottle } from '../security/admin-throttle.ts';

export function metricsEndpoint(metrics: Metrics, token: string | undefined, throttle: AdminThrottle): Middleware {
  if (!token) {
    return async (ctx) => {
      ctx.status = 404;
      ctx.body = { error: 'not_found', error_description: 'metrics are off on this server (set METRICS_TOKEN)' };
    };
  }
  return compose<Context>([
    async (ctx, next) => {
      ctx.set('Cache-Control', 'no-store');
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
        ctx.status = 405;
        ctx.set('Allow', 'GET, HEAD');
        ctx.body = { error: 'invalid_request', error_description: 'GET /metrics' };
        return;
      }
      await next();
    },
    requireBearerToken(token, throttle),
    async (ctx: Context) => {
      const { contentType, body } = await metrics.exposition();
      ctx.type = contentType;
      ctx.body = body;
    },
  ]);
}
