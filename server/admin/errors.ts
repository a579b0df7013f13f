// The admin API answers every error as JSON `{ error, error_description }`. What a client may
// see comes from the app's one error mapping (http/errors.ts); anything else is a server fault,
// reported without detail and logged through Koa's 'error' event.
import type { Context, Next } from 'koa';
import { LatchkeyError } from '../errors.ts';
import { respondWithError, toLatchkeyError } from '../http/errors.ts';

export { badRequest as invalidRequest, notFound } from '../errors.ts';

export interface ErrorBody {
  error: string;
  error_description: string;
}

const SERVER_FAULT = new LatchkeyError(500, 'server_error', 'internal server error');

export async function handleErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    const known = toLatchkeyError(err);
    if (!known) ctx.app.emit('error', err, ctx);
    respondWithError(ctx, known ?? SERVER_FAULT, undefined);
  }
}
