// A request id for every request (taken from X-Request-Id when it looks sane, so a proxy's id
// carries through), echoed back, and one log line per request. Only the path is logged: query
// strings carry authorization codes and tokens.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';

const SANE_ID = /^[\w.:-]{1,128}$/;

/**
 * The path as logged: an interaction's uid (in /interaction/:uid, and oidc-provider's resume paths
 * /auth/:uid and /device/:uid) is also the value of the browser's interaction cookie, so it is
 * logged as `:uid`. The token of a mailed link (/reset-password/<token>, /verify-email/<token>,
 * /email-change/confirm/<token>, …) opens an account: logged as `:token`.
 */
export function pathForLog(path: string): string {
  return path
    .replace(/^\/(interaction|auth)\/[^/]+/, '/$1/:uid')
    .replace(/^\/device\/(?!auth$)[^/]+/, '/device/:uid')
    .replace(/^\/(reset-password|verify-email|email-change\/[^/]+)\/.*$/, '/$1/:token');
}

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
      logger.info({ requestId, method: ctx.method, path: pathForLog(ctx.path), status: ctx.res.statusCode, ms }, 'request');
    }
  };
}
