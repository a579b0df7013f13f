// Sends each request to the stack the route table names for its first path segment. One look at
// the path per request instead of one per middleware: a token request then passes through only
// what concerns it, where a flat chain made every request enter (and await) every layer on its
// way to oidc-provider.
import type { Middleware } from 'koa';
import { stackFor, type Stack } from './routes.ts';

export function byPath(stacks: Partial<Record<Stack, Middleware>>, fallback: Middleware): Middleware {
  return (ctx, next) => (stacks[stackFor(ctx.path)] ?? fallback)(ctx, next);
}
