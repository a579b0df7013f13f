// Mounts whichever Provider is current at the time of each request. A request keeps the
// Provider it started with, so swapping in a rebuilt one never disturbs requests in flight.
import mount from 'koa-mount';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { STORE_RETRY_AFTER_SECONDS } from '../errors.ts';

export function mountProvider(current: () => Provider): Middleware {
  const mounted = new WeakMap<Provider, Middleware>();
  return async (ctx, next) => {
    const provider = current();
    let middleware = mounted.get(provider);
    if (!middleware) {
      middleware = mount(provider as never) as Middleware;
      mounted.set(provider, middleware);
    }
    await middleware(ctx, next);
    // oidc-provider itself never answers 503: this is the store's StoreUnavailableError, which
    // the library presented (internals entry 11) without the Retry-After Latchkey's own errors carry.
    if (ctx.status === 503 && !ctx.response.get('Retry-After')) ctx.set('Retry-After', String(STORE_RETRY_AFTER_SECONDS));
  };
}
