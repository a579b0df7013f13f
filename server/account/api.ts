// The console as a JSON API for the signed-in person, for a product that embeds it:
//   GET    /account/api/apps               connected apps
//   DELETE /account/api/apps/:grant        remove an app's access
//   GET    /account/api/sessions           browser sessions
//   DELETE /account/api/sessions/:id       sign one out
//   POST   /account/api/sessions/sign-out-others
//   GET    /account/api/activity           security activity
// Authorised by an access token of the console client (Authorization: Bearer), or by the
// console's own sign-in (its cookies) with the page's CSRF token in an X-CSRF-Token header for
// anything that changes. Never by a token any other app holds. Every id is checked to be the
// person's own: another person's ids answer 404, as ids that do not exist.
import Router from '@koa/router';
import type { Context } from 'koa';
import { LatchkeyError, notFound } from '../errors.ts';
import { verifyCsrf } from '../http/csrf.ts';
import { ROUTES } from '../http/routes.ts';
import { CONSOLE_CLIENT_ID } from './console-client.ts';
import type { ConsoleDeps } from './routes.ts';

export type ConsoleApiDeps = Pick<ConsoleDeps, 'auth' | 'apps' | 'sessions' | 'holdings' | 'activity' | 'note' | 'users' | 'provider' | 'cookieSecrets' | 'csrfCookie'>;

const unauthorized = () => new LatchkeyError(401, 'invalid_token', 'Sign in to your account first, or send an access token of the account console.');

export function consoleApi(deps: ConsoleApiDeps): Router {
  const router = new Router({ prefix: ROUTES.accountApi.path });

  /** The person, and the uid of their current session when they came with the console's cookies. */
  async function who(ctx: Context, changing: boolean): Promise<{ sub: string; sessionUid?: string }> {
    const bearer = /^Bearer +(\S+)$/i.exec(ctx.get('authorization'))?.[1];
    if (bearer) {
      const token = await deps.provider().AccessToken.find(bearer);
      if (!token?.isValid || token.clientId !== CONSOLE_CLIENT_ID || !token.accountId) throw unauthorized();
      const user = await deps.users.get(token.accountId);
      if (!user || user.disabled) throw unauthorized();
      // The session the token was issued in is "this one" (kept by sign-out-others).
      return { sub: user.sub, sessionUid: token.sessionUid };
    }
    const viewer = await deps.auth.viewer(ctx);
    if (!viewer) throw unauthorized();
    if (changing) verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, ctx.get('x-csrf-token'));
    return { sub: viewer.sub, sessionUid: viewer.sessionUid };
  }

  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  router.get('/apps', async (ctx) => {
    const { sub } = await who(ctx, false);
    ctx.body = { apps: await deps.apps.list(sub) };
  });
  router.delete('/apps/:grant', async (ctx) => {
    const { sub } = await who(ctx, true);
    const grantId = ctx.params.grant ?? '';
    const app = (await deps.apps.list(sub)).find((a) => a.grantId === grantId);
    if (!app || !(await deps.holdings.removeApp(sub, grantId))) throw notFound('no such app holds access to your account');
    deps.note(ctx, sub, { kind: 'access.removed', text: `You removed ${app.name}'s access`, app: app.name });
    ctx.status = 204;
  });
  router.get('/sessions', async (ctx) => {
    const { sub, sessionUid } = await who(ctx, false);
    ctx.body = { sessions: await deps.sessions.list(sub, sessionUid) };
  });
  router.post('/sessions/sign-out-others', async (ctx) => {
    const { sub, sessionUid } = await who(ctx, true);
    const signedOut = await deps.sessions.endOthers(sub, sessionUid);
    if (signedOut) deps.note(ctx, sub, { kind: 'session.ended', text: `You signed out of ${signedOut} other ${signedOut === 1 ? 'session' : 'sessions'}` });
    ctx.body = { signedOut };
  });
  router.delete('/sessions/:id', async (ctx) => {
    const { sub } = await who(ctx, true);
    if (!(await deps.sessions.end(sub, ctx.params.id ?? ''))) throw notFound('no such session of yours');
    deps.note(ctx, sub, { kind: 'session.ended', text: 'You signed a session out' });
    ctx.status = 204;
  });
  router.get('/activity', async (ctx) => {
    const { sub } = await who(ctx, false);
    ctx.body = { activity: await deps.activity.recent(sub, 50) };
  });
  return router;
}
