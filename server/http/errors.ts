// Errors that know how to present themselves, in the style of oidc-provider and Koa: an OAuth
// `error` code, a description safe to show, an HTTP status, and whether it may be exposed.
// The handler turns any error into a friendly page for people or JSON for programs; an
// unexpected error becomes a 500 `server_error` with a request id, never a stack trace.
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import type { Render } from './render.ts';
import { usePageHeaders } from './security-headers.ts';

export class HttpError extends Error {
  readonly status: number;
  readonly error: string;
  readonly expose = true;
  /** Where a person should go next, offered on the error page. */
  readonly backUrl?: string;
  constructor(status: number, error: string, description: string, backUrl?: string) {
    super(description);
    this.name = 'HttpError';
    this.status = status;
    this.error = error;
    this.backUrl = backUrl;
  }
}

export const badRequest = (description: string) => new HttpError(400, 'invalid_request', description);
export const forbidden = (description: string) => new HttpError(403, 'forbidden', description);
export const notFound = (description = 'There is nothing at this address.') =>
  new HttpError(404, 'not_found', description);

export function wantsHtml(ctx: Context): boolean {
  return ctx.accepts('json', 'html') === 'html';
}

interface Presentable {
  status: number;
  error: string;
  description: string;
  backUrl?: string;
}

/** zlib's errors for a body labelled gzip/deflate that is not: the client's fault, no status. */
export function isUndecodableBody(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function present(err: unknown): Presentable {
  if (isUndecodableBody(err)) return { status: 400, error: 'invalid_request', description: 'The request body could not be decoded.' };
  if (err instanceof HttpError) return { status: err.status, error: err.error, description: err.message, backUrl: err.backUrl };
  const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status < 500 && e?.expose) {
    // Koa's own http-errors (body too large, malformed JSON) and the like.
    const code = status === 413 ? 'request_too_large' : status === 404 ? 'not_found' : 'invalid_request';
    return { status, error: code, description: String(e.message) };
  }
  return { status: 500, error: 'server_error', description: 'Something went wrong on our side. Try again in a moment.' };
}

export function renderErrorPage(render: Render, issuer: string, out: Presentable & { requestId?: string; backUrl?: string }): string {
  return render('error', {
    title: out.status >= 500 ? 'Something went wrong' : 'We could not do that',
    issuer,
    status: out.status,
    error: out.error,
    description: out.description,
    requestId: out.requestId,
    backUrl: out.backUrl,
  });
}

export function errorHandler(render: Render, issuer: string, logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && !ctx.headerSent && ctx.respond !== false) {
        throw notFound();
      }
    } catch (err) {
      const out = present(err);
      const requestId = ctx.state.requestId as string | undefined;
      if (out.status >= 500) logger.error({ err, requestId, path: ctx.path }, 'unhandled error');
      if (ctx.headerSent || !ctx.writable) return;
      ctx.status = out.status;
      if (wantsHtml(ctx)) {
        usePageHeaders(ctx);
        ctx.type = 'html';
        ctx.body = renderErrorPage(render, issuer, { ...out, requestId });
      } else {
        ctx.body = { error: out.error, error_description: out.description };
      }
    }
  };
}
