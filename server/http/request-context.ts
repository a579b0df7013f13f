// A request id for every request (taken from X-Request-Id when it looks sane, so a proxy's id
// carries through), echoed back, and one log line per request. Only the path is logged: query
// strings carry authorization codes and tokens.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';

const SANE_ID = /^[\w.:-]{1,128}$/;

export function requestContext(logger: Logger): Middleware {
  return async (ctx, next) => {
    const given = ctx.get('x-request-id');
    const requestId = SANE_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    if (!logger.isLevelEnabled('info')) return next();
    const started = performance.now();
    try {
      await next();
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      // oidc-provider writes some responses itself (ctx.respond = false); res has the status.
      logger.info({ requestId, method: ctx.method, path: ctx.path, status: ctx.res.statusCode, ms }, 'request');
    }
  };
}
