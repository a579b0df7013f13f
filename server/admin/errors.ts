// Errors of the admin API, and the one middleware that turns any thrown error into the JSON
// `{ error, error_description }` shape. Like oidc-provider's errors, each carries its HTTP status;
// anything not recognised here is a server fault and is reported without detail.
import type { Context, Next } from 'koa';
import { PasswordPolicyError } from '../accounts/passwords.ts';
import { UserExistsError, UserNotFoundError } from '../accounts/users.ts';
import { ClientExistsError } from '../clients/registry.ts';
import { isUndecodableBody } from '../http/errors.ts';
import { KeysBusyError } from '../keys/manager.ts';
import { RotationError } from '../keys/rotation.ts';

export class AdminError extends Error {
  override name = 'AdminError';
  readonly status: number;
  readonly error: string;

  constructor(status: number, error: string, description: string) {
    super(description);
    this.status = status;
    this.error = error;
  }
}

export const invalidRequest = (description: string) => new AdminError(400, 'invalid_request', description);
export const notFound = (description: string) => new AdminError(404, 'not_found', description);

export interface ErrorBody {
  error: string;
  error_description: string;
}

interface HttpLikeError {
  status: number;
  expose?: boolean;
  error?: unknown;
  error_description?: unknown;
}

function isHttpLike(value: unknown): value is HttpLikeError {
  return typeof value === 'object' && value !== null && typeof (value as { status?: unknown }).status === 'number';
}

/** Maps a thrown value to the error the client sees, or undefined when it is a server fault. */
export function toAdminError(err: unknown): AdminError | undefined {
  if (err instanceof AdminError) return err;
  // These messages are written by our own code and never contain the password or secret.
  if (err instanceof UserExistsError || err instanceof ClientExistsError) {
    return new AdminError(409, 'already_exists', err.message);
  }
  if (err instanceof UserNotFoundError || err instanceof RotationError) return notFound(err.message);
  if (err instanceof KeysBusyError) return new AdminError(409, 'conflict', err.message);
  if (err instanceof PasswordPolicyError) return invalidRequest(err.message);
  if (isUndecodableBody(err)) return invalidRequest('request body could not be decoded');
  if (!isHttpLike(err) || err.status < 400 || err.status >= 500) return undefined;
  // oidc-provider's InvalidClientMetadata (from the registry's validator) names its own error.
  if (err.expose === true && typeof err.error === 'string' && /^[a-z_]+$/.test(err.error)) {
    const description = typeof err.error_description === 'string' ? err.error_description : err.error;
    return new AdminError(err.status, err.error, description);
  }
  // Errors from the body parser (co-body, raw-body) and the router. Their messages are replaced:
  // a JSON syntax error quotes the body, which may hold a password (co-body even attaches the
  // whole raw body to the error, so it is never logged either).
  switch (err.status) {
    case 413:
      return new AdminError(413, 'invalid_request', 'request body is too large');
    case 415:
      return new AdminError(415, 'invalid_request', 'unsupported request body encoding');
    case 405:
      return new AdminError(405, 'invalid_request', 'method not allowed on this endpoint');
    case 400:
      return invalidRequest('request body is not valid JSON');
    default:
      return new AdminError(err.status, 'invalid_request', 'the request could not be processed');
  }
}

export async function handleErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    let known = toAdminError(err);
    if (!known) {
      // Koa's 'error' event is where the application logs; the client learns nothing more.
      ctx.app.emit('error', err, ctx);
      known = new AdminError(500, 'server_error', 'internal server error');
    }
    ctx.status = known.status;
    ctx.body = { error: known.error, error_description: known.message } satisfies ErrorBody;
  }
}
