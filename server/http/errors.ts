// How any thrown value is presented: one mapping (toLatchkeyError) from Latchkey's own errors,
// oidc-provider's and Koa's http errors to a LatchkeyError, or to nothing when it is a server
// fault; and the middleware that turns it into a friendly page for people or JSON for programs.
// A server fault becomes a 500 `server_error` with a request id, never a stack trace.
import { pathForLog } from './request-context.ts';
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { LatchkeyError, notFound, StoreUnavailableError } from '../errors.ts';
import type { Render } from './render.ts';
import { usePageHeaders } from './security-headers.ts';

export { badRequest, forbidden, LatchkeyError, notFound } from '../errors.ts';

export function wantsHtml(ctx: Context): boolean {
  return ctx.accepts('json', 'html') === 'html';
}

/** zlib's errors for a body labelled gzip/deflate that is not: the client's fault, no status. */
function isUndecodableBody(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

interface HttpLike {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  error?: unknown;
  error_description?: unknown;
}

// Descriptions for Koa's and the body parsers' errors, by status. Their own messages are never
// passed on: a JSON syntax error quotes the body, which may hold a password (co-body even
// attaches the whole raw body to the error).
const BY_STATUS: Record<number, [string, string]> = {
  400: ['invalid_request', 'The request body could not be read.'],
  404: ['not_found', 'There is nothing at this address.'],
  405: ['invalid_request', 'This address does not accept that method.'],
  413: ['invalid_request', 'The request body is too large.'],
  415: ['invalid_request', 'The request body is in an encoding this server does not accept.'],
};

/** The error a client may see, or undefined when it is a server fault. */
export function toLatchkeyError(err: unknown): LatchkeyError | undefined {
  if (err instanceof LatchkeyError) return err.expose ? err : undefined;
  if (isUndecodableBody(err)) return new LatchkeyError(400, 'invalid_request', 'The request body could not be decoded.');
  const e = (err ?? {}) as HttpLike;
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
  // A 4xx is the client's doing whoever threw it (co-body's JSON syntax errors carry no expose
  // flag); its description is ours unless it is an OAuth error meant to be shown.
  if (status < 400 || status >= 500) return undefined;
  // oidc-provider's errors (InvalidClientMetadata from the client validator, say) carry an
  // OAuth code and a description written for clients.
  if (e.expose === true && typeof e.error === 'string' && /^[a-z_]+$/.test(e.error) && typeof e.error_description === 'string') {
    return new LatchkeyError(status, e.error, e.error_description);
  }
  const [code, description] = BY_STATUS[status] ?? ['invalid_request', 'The request could not be processed.'];
  return new LatchkeyError(status, code, description);
}

/** Whether the store being away is behind this error (itself, or the cause of a page's own 503). */
function causedByStoreOutage(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof StoreUnavailableError) return true;
  }
  return false;
}

const SERVER_FAULT = new LatchkeyError(500, 'server_error', 'Something went wrong on our side. Try again in a moment.');

export function renderErrorPage(render: Render, issuer: string, err: LatchkeyError, requestId?: string): string {
  return render('error', {
    title: err.error === 'temporarily_unavailable' ? 'Try again shortly' : err.status >= 500 ? 'Something went wrong' : 'We could not do that',
    issuer,
    status: err.status,
    error: err.error,
    description: err.description,
    requestId,
    backUrl: err.backUrl,
  });
}

/** Writes the error onto the response: status, Retry-After, then a page or JSON. */
export function respondWithError(ctx: Context, err: LatchkeyError, page: ((err: LatchkeyError) => string) | undefined): void {
  ctx.status = err.status;
  if (err.retryAfter !== undefined) ctx.set('Retry-After', String(err.retryAfter));
  if (page && wantsHtml(ctx)) {
    usePageHeaders(ctx);
    ctx.type = 'html';
    ctx.body = page(err);
  } else {
    ctx.body = { error: err.error, error_description: err.description };
  }
}

export function errorHandler(render: Render, issuer: string, logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && !ctx.headerSent && ctx.respond !== false) {
        throw notFound();
      }
    } catch (err) {
      const known = toLatchkeyError(err);
      const requestId = ctx.state.requestId as string | undefined;
      // The store being away is logged once per outage (observability/store-outage.ts), not here
      // for every request it fails.
      if (causedByStoreOutage(err)) logger.debug({ requestId, path: pathForLog(ctx.path) }, 'store unavailable');
      else if (!known || known.status >= 500) logger.error({ err, requestId, path: pathForLog(ctx.path) }, known ? 'unavailable' : 'unhandled error');
      if (ctx.headerSent || !ctx.writable) return;
      respondWithError(ctx, known ?? SERVER_FAULT, (e) => renderErrorPage(render, issuer, e, requestId));
    }
  };
}
