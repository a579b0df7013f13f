// The account lifecycle by email: forgot password, sign-up and email verification, development's
// outbox page. One stack (the route table's `lifecycle`), with the CSRF token of its forms.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import compose from 'koa-compose';
import { LatchkeyError, notFound } from '../errors.ts';
import { csrfToken } from '../http/csrf.ts';
import { ROUTES } from '../http/routes.ts';
import type { LifecycleDeps } from './deps.ts';
import { passwordResetRoutes } from './password-reset.ts';
import { signupRoutes } from './signup.ts';
import { emailChangeRoutes } from './email-change.ts';

export type { LifecycleDeps } from './deps.ts';
export { createNotify, NOTICES, OPTIONAL_NOTICES, type Notify, type NoticeKind, type Facts } from './notify.ts';
export { mailPreferences, type Preferences } from './preferences.ts';
export { mailLinks, type Links } from './links.ts';
export { emailChange, type RequestEmailChange } from './email-change.ts';

const methodNotAllowed = () => new LatchkeyError(405, 'invalid_request', 'This page does not accept that method.');

export function lifecycleStack(deps: LifecycleDeps): Middleware {
  const router = new Router();
  router.use(bodyParser({ enableTypes: ['form'], formLimit: '16kb' }));
  // Without a way to send mail, the pages that need it do not exist.
  router.use(async (ctx, next) => {
    if (!deps.mail.enabled) throw notFound();
    await next();
  });
  passwordResetRoutes(router, deps);
  signupRoutes(router, deps);
  emailChangeRoutes(router, deps);
  router.get(ROUTES.devMail.path, async (ctx) => {
    if (!deps.mail.outbox) throw notFound();
    deps.page(ctx, 'lifecycle/dev-mail', { title: 'Outbox', messages: deps.mail.outbox.list() });
  });
  return compose([
    csrfToken(deps.cookieSecrets, deps.csrfCookie),
    router.routes() as Middleware,
    router.allowedMethods({ throw: true, notImplemented: methodNotAllowed, methodNotAllowed }) as Middleware,
    async () => {
      throw notFound();
    },
  ]);
}
