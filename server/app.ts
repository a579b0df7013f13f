// createApp(deps): Latchkey's Koa application. Middleware order matters: every response gets a
// request id and security headers; errors from anything below become pages or JSON; health,
// static assets, the admin API and the interaction pages answer before oidc-provider, which
// gets every other path.
import { join } from 'node:path';
import Koa from 'koa';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { Users } from './accounts/users.ts';
import { createAdminApi } from './admin/index.ts';
import type { ClientRegistry } from './clients/registry.ts';
import { csrfToken } from './http/csrf.ts';
import { errorHandler } from './http/errors.ts';
import { health } from './http/health.ts';
import { createRenderer, viewsDir } from './http/render.ts';
import { requestContext } from './http/request-context.ts';
import { securityHeaders } from './http/security-headers.ts';
import { staticFiles } from './http/static-files.ts';
import { interactionRoutes } from './interactions/routes.ts';
import type { Keystore } from './keys/keystore.ts';
import { mountProvider } from './provider/mount.ts';
import type { Store } from './store/types.ts';

export interface AppDeps {
  config: Config;
  logger: Logger;
  store: Store;
  users: Users;
  clients: ClientRegistry;
  keystore: Keystore;
  provider: () => Provider;
  /** True while the current Provider holds signing keys. */
  keysLoaded: () => boolean;
}

export function createApp({ config, logger, store, users, clients, keystore, provider, keysLoaded }: AppDeps): Koa {
  // The same cookie keys as the Provider: mounted, it reads and writes cookies through this
  // app's context, and signs them only when this app has keys.
  const app = new Koa({ proxy: config.trustProxy, keys: config.cookieSecrets });
  const render = createRenderer();
  const interactions = interactionRoutes({ provider, users, render, issuer: config.issuer, cookieSecrets: config.cookieSecrets });

  app.use(requestContext(logger));
  app.use(securityHeaders(config.issuer.startsWith('https://')));
  app.use(errorHandler(render, config.issuer, logger));
  app.use(
    health(async () => ({
      store: await store.ping().then(() => true, () => false),
      keys: keysLoaded(),
    })),
  );
  app.use(staticFiles(join(viewsDir, 'static')));
  app.use(createAdminApi({ adminToken: config.adminToken, users, clients, keystore }));
  const csrf = csrfToken(config.cookieSecrets);
  app.use((ctx, next) => (ctx.path.startsWith('/interaction/') ? csrf(ctx, next) : next()));
  app.use(interactions.routes());
  app.use(interactions.allowedMethods());
  app.use(mountProvider(provider));
  return app;
}
