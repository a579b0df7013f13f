// Mounts whichever Provider is current at the time of each request. A request keeps the
// Provider it started with, so swapping in a rebuilt one never disturbs requests in flight.
import mount from 'koa-mount';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';

export function mountProvider(current: () => Provider): Middleware {
  const mounted = new WeakMap<Provider, Middleware>();
  return (ctx, next) => {
    const provider = current();
    let middleware = mounted.get(provider);
    if (!middleware) {
      middleware = mount(provider as never) as Middleware;
      mounted.set(provider, middleware);
    }
    return middleware(ctx, next);
  };
}
