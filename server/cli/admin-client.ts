// A thin client for the admin API. Every failure becomes a CliError with one readable line.
import { CliError, oneLine } from './io.ts';
import { DEV_FILE, type AdminTarget } from './target.ts';

const TIMEOUT_MS = 15_000;

export interface AdminClient {
  /** The parsed JSON body, or undefined for 204 No Content. */
  request(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
}

function unreachableReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${TIMEOUT_MS / 1000}s`;
  }
  // undici reports "fetch failed" and puts the useful part (ECONNREFUSED, ENOTFOUND) in cause.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return error instanceof Error ? error.message : String(error);
}

function errorText(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { error, error_description: description } = body as { error?: unknown; error_description?: unknown };
  if (typeof description === 'string' && description !== '') return description;
  return typeof error === 'string' ? error : undefined;
}

export function createAdminClient(target: AdminTarget, fetchImpl: typeof fetch = fetch): AdminClient {
  const base = target.url.endsWith('/') ? target.url : `${target.url}/`;

  return {
    async request(method, path, body) {
      const url = new URL(`admin/${path}`, base);
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method,
          headers: {
            authorization: `Bearer ${target.token}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(TIMEOUT_MS),
          redirect: 'error',
        });
      } catch (error) {
        throw new CliError(`cannot reach Latchkey at ${target.url}: ${oneLine(unreachableReason(error))}`);
      }

      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        throw new CliError(`unexpected answer from ${target.url} (HTTP ${response.status}, not JSON); is this a Latchkey server?`);
      }
      if (response.status === 401) {
        const hint = target.source === 'env' ? 'check LATCHKEY_ADMIN_TOKEN' : `${DEV_FILE} may be stale; restart the development server`;
        throw new CliError(`the admin token was refused by ${target.url} (${hint})`);
      }
      if (!response.ok) {
        throw new CliError(oneLine(errorText(parsed) ?? `HTTP ${response.status} from ${target.url}`));
      }
      return parsed;
    },
  };
}
