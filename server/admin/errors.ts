// The admin API answers every error as JSON `{ error, error_description }`. What a client may
// see comes from the app's one error mapping (http/errors.ts); anything else is a server fault,
// reported without detail and logged through Koa's 'error' event.
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { LatchkeyError } from '../errors.ts';
import { refusalDetail, respondWithError, toLatchkeyError } from '../http/errors.ts';

export { badRequest as invalidRequest, notFound } from '../errors.ts';

export interface ErrorBody {
  error: string;
  error_description: string;
}

const SERVER_FAULT = new LatchkeyError(500, 'server_error', 'Something went wrong on our side. The log has the details under this response’s X-Request-Id; try again once it is fixed.');

/** `logger`: where a refusal's detail goes (a malformed body: where it broke), under the request
 * id the response carries (X-Request-Id). */
export function handleErrors(logger?: Logger): Middleware {
  return async (ctx: Context, next) => {
    try {
      await next();
    } catch (err) {
      const known = toLatchkeyError(err);
      if (!known) ctx.app.emit('error', err, ctx);
      else if (known.status < 500) {
        logger?.info({ event: 'request.refused', requestId: ctx.state.requestId, path: ctx.path.slice(0, 512), status: known.status, error: known.error, description: known.description, ...refusalDetail(err) }, 'request refused');
      }
      respondWithError(ctx, known ?? SERVER_FAULT, undefined);
    }
  };
}
