// Sends each request to the stack for its first path segment ('/admin' for /admin/users), or to
// the fallback. One look at the path per request instead of one per middleware: a token request
// then passes through only what concerns it, where a flat chain made every request enter (and
// await) every layer on its way to oidc-provider.
import type { Middleware } from 'koa';

export function byPath(routes: Record<string, Middleware>, fallback: Middleware): Middleware {
  const table = new Map(Object.entries(routes));
  return (ctx, next) => {
    const path = ctx.path;
    const end = path.indexOf('/', 1);
    const route = table.get(end === -1 ? path : path.slice(0, end));
    return (route ?? fallback)(ctx, next);
  };
}
