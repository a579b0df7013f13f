// The one error type of Latchkey, shaped like oidc-provider's and Koa's: an HTTP `status`, an
// OAuth-style `error` code, a `description` written for the person or program that reads it, and
// `expose` (whether the description may be shown; never for server faults). Domain errors (a user
// that exists, a key that is not there, a lock held by another instance) extend it with their own
// status, so whoever presents an error (the page and JSON handler, the admin API) needs to know no
// domain. It sits below every folder: anything may throw it, nothing here imports anything.

export interface ErrorOptions {
  /** Where a person should go next, offered on the error page. */
  backUrl?: string;
  /** Seconds to wait before trying again (429, 503): sent as Retry-After. */
  retryAfter?: number;
  /** Whether the description may be shown; by default only below 500. */
  expose?: boolean;
  cause?: unknown;
}

export class LatchkeyError extends Error {
  override name = 'LatchkeyError';
  readonly status: number;
  readonly error: string;
  readonly expose: boolean;
  readonly backUrl?: string;
  readonly retryAfter?: number;

  constructor(status: number, error: string, description: string, options: ErrorOptions = {}) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.error = error;
    this.expose = options.expose ?? status < 500;
    this.backUrl = options.backUrl;
    this.retryAfter = options.retryAfter;
  }

  get description(): string {
    return this.message;
  }
}

export const badRequest = (description: string, options?: ErrorOptions) => new LatchkeyError(400, 'invalid_request', description, options);
export const forbidden = (description: string) => new LatchkeyError(403, 'forbidden', description);
export const notFound = (description = 'There is nothing at this address.') => new LatchkeyError(404, 'not_found', description);
export const conflict = (description: string) => new LatchkeyError(409, 'conflict', description);
export const tooManyRequests = (description: string, retryAfter: number) =>
  new LatchkeyError(429, 'too_many_requests', description, { retryAfter });
export const temporarilyUnavailable = (description: string, retryAfter: number, cause?: unknown) =>
  new LatchkeyError(503, 'temporarily_unavailable', description, { retryAfter, cause, expose: true });

/** Seconds a client is asked to wait while the store cannot be reached: Redis restarts and
 * failovers take about that long, and the store reconnects within a fraction of it. */
export const STORE_RETRY_AFTER_SECONDS = 1;

/**
 * The store (Redis) cannot be reached, does not answer within the command timeout, or is failing
 * over: a 503 `temporarily_unavailable` with Retry-After, for pages and programs alike. It is also
 * shaped as oidc-provider presents an error it may show (the OAuth code as `message`, plus
 * `error_description` and `statusCode`: provider/internals.ts, entry 11), so that a store failure
 * inside the library answers the same way instead of as a 500 server_error.
 */
export class StoreUnavailableError extends LatchkeyError {
  override name = 'StoreUnavailableError';
  readonly statusCode = 503;
  readonly error_description = 'The service is briefly unavailable. Try again shortly.';

  constructor(cause?: unknown) {
    super(503, 'temporarily_unavailable', 'temporarily_unavailable', { retryAfter: STORE_RETRY_AFTER_SECONDS, expose: true, cause });
  }

  override get description(): string {
    return this.error_description;
  }
}

/** A domain error for a record that already exists (a user's email, a client id). */
export class AlreadyExistsError extends LatchkeyError {
  override name = 'AlreadyExistsError';
  constructor(description: string) {
    super(409, 'already_exists', description);
  }
}

/** A domain error for a record that is not there (a user, a key, a client). */
export class NotFoundError extends LatchkeyError {
  override name = 'NotFoundError';
  constructor(description: string) {
    super(404, 'not_found', description);
  }
}

/** Someone else is changing the same thing right now (a held lock, a fenced write that lost). */
export class BusyError extends LatchkeyError {
  override name = 'BusyError';
  constructor(description: string) {
    super(409, 'conflict', description);
  }
}

/** Input that breaks a rule the person can fix (a password too short). */
export class PolicyError extends LatchkeyError {
  override name = 'PolicyError';
  constructor(description: string) {
    super(400, 'invalid_request', description);
  }
}
