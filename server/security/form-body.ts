// The form body of a request bound for oidc-provider, read once ahead of it: the throttles in
// front of the token endpoints need client_id, grant_type or device_code before the library runs.
// The bytes are handed back to the library as a fresh stream (provider/internals.ts, entry 3), so
// it parses and limits the body as always.
import type { Context } from 'koa';
import { handBodyToProvider, PROVIDER_BODY_LIMIT } from '../provider/internals.ts';

const READ = Symbol('form-body');

/** The parameters of a form POST, or undefined when it is not one (or is over the library's
 * limit: the library answers that itself). */
export async function formParams(ctx: Context): Promise<URLSearchParams | undefined> {
  const state = ctx.state as { [READ]?: URLSearchParams | null };
  if (state[READ] !== undefined) return state[READ] ?? undefined;
  state[READ] = null;
  if (ctx.method !== 'POST' || !ctx.is('application/x-www-form-urlencoded')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    chunks.push(chunk as Buffer);
    // Past the limit the rest is not read: the library refuses the request from what is handed on.
    if (size > PROVIDER_BODY_LIMIT) break;
  }
  const raw = Buffer.concat(chunks);
  handBodyToProvider(ctx, raw);
  if (size > PROVIDER_BODY_LIMIT) return undefined;
  return (state[READ] = new URLSearchParams(raw.toString()));
}
