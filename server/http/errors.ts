// How any thrown value is presented: one mapping (toLatchkeyError) from Latchkey's own errors,
// oidc-provider's and Koa's http errors to a LatchkeyError, or to nothing when it is a server
// fault; and the middleware that turns it into a friendly page for people or JSON for programs.
// A server fault becomes a 500 `server_error` with a request id, never a stack trace.
import { pathForLog } from './request-context.ts';
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { LatchkeyError, notFound, StoreUnavailableError } from '../errors.ts';
import type { Render } from './render.ts';
import { ROUTES, routeNameOf } from './routes.ts';
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

// Descriptions for Koa's and the body parsers' errors, by status, each with what to do next.
// Their own messages are never passed on: a JSON syntax error quotes the body, which may hold a
// password (co-body even attaches the whole raw body to the error).
const BY_STATUS: Record<number, [string, string]> = {
  400: ['invalid_request', 'The request body could not be read. Check that it is well-formed and matches its Content-Type, then send it again.'],
  404: ['not_found', 'There is nothing at this address.'],
  405: ['invalid_request', 'This address does not accept that method. Use one of those its Allow header lists.'],
  413: ['invalid_request', 'The request body is too large. Send a smaller one.'],
  415: ['invalid_request', 'The request body is in an encoding this server does not accept. Send it uncompressed, or gzip or deflate.'],
};
const MALFORMED_JSON = 'The request body is not valid JSON. Send one JSON object, with Content-Type: application/json.';

/**
 * What the operator log says of a refused request beyond its description: which of the body
 * parser's failures it was, and where in the body; never the parser's message (it quotes the
 * body). The request id ties it to what the client was told.
 */
export function refusalDetail(err: unknown): Record<string, unknown> | undefined {
  if (isUndecodableBody(err)) return { cause: (err as { code: string }).code };
  if (!(err instanceof Error) || err instanceof LatchkeyError) return undefined;
  if (err instanceof SyntaxError) {
    const position = /at position (\d+)/.exec(err.message)?.[1];
    return { cause: 'malformed JSON', ...(position ? { position: Number(position) } : {}) };
  }
  const { type, limit, length, error_detail: detail } = err as { type?: unknown; limit?: unknown; length?: unknown; error_detail?: unknown };
  if (typeof type === 'string') return { cause: type, ...(typeof limit === 'number' ? { limit } : {}), ...(typeof length === 'number' ? { length } : {}) };
  if (typeof detail === 'string') return { cause: detail.slice(0, 512) };
  return undefined;
}

/** The innermost cause's message, for the operator (a Redis address, say): never for a page. */
function rootReason(err: unknown): string | undefined {
  let e = err;
  for (let depth = 0; e instanceof Error && e.cause instanceof Error && depth < 4; depth++) e = e.cause;
  return e instanceof Error ? e.message.slice(0, 300) : undefined;
}

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
  if (status === 400 && err instanceof SyntaxError) return new LatchkeyError(400, 'invalid_request', MALFORMED_JSON);
  const [code, description] = BY_STATUS[status] ?? ['invalid_request', 'The request could not be processed. Check it against the documentation and send it again.'];
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
        // An address of the route table itself (not merely under one), asked with a method it
        // does not answer.
        const route = routeNameOf(ctx.path);
        throw route !== 'other' && ROUTES[route].path === ctx.path ? notFound(`This address does not answer ${ctx.method} requests. Check the method the app or its documentation uses.`) : notFound();
      }
    } catch (err) {
      const known = toLatchkeyError(err);
      const requestId = ctx.state.requestId as string | undefined;
      // The store being away is logged once per outage (observability/store-outage.ts), not here
      // for every request it fails; the request's own line, at debug, names the cause.
      if (causedByStoreOutage(err)) logger.debug({ requestId, path: pathForLog(ctx.path), reason: rootReason(err) }, 'store unavailable');
      else if (!known || known.status >= 500) logger.error({ err, requestId, path: pathForLog(ctx.path) }, known ? 'unavailable' : 'unhandled error');
      else {
        // A refusal: what the client was told, and what the operator needs beyond it. A plain
        // 404 says nothing the request line does not.
        const detail = refusalDetail(err);
        if (known.status !== 404 || detail) logger.info({ event: 'request.refused', requestId, path: pathForLog(ctx.path), status: known.status, error: known.error, description: known.description, ...detail }, 'request refused');
      }
      if (ctx.headerSent || !ctx.writable) return;
      respondWithError(ctx, known ?? SERVER_FAULT, (e) => renderErrorPage(render, issuer, e, requestId));
    }
  };
}
