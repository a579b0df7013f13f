// The account console's pages (GET to look, POST with the form's CSRF token to act):
//   /account                    overview: apps, sessions, recent activity
//   /account/apps               connected apps; POST /account/apps/:grant/remove
//   /account/sessions           browser sessions; POST /account/sessions/:id/sign-out, /account/sessions/sign-out-others
//   /account/activity           security activity; POST /account/activity/:key/was-me, /account/activity/:key/not-me
//                               (the person's word on a sign-in, for the risk model)
//   /account/password           change the password (a fresh sign-in first)
//   /account/security           second factors (security.ts)
//   /account/help               plain-language help (no sign-in needed)
//   /account/login, /callback   signing in to the console; /account/signed-out after signing out
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import { normalizeEmail, type Users } from '../accounts/users.ts';
import { verifyCsrf } from '../http/csrf.ts';
import { ROUTES } from '../http/routes.ts';
import type { Page } from '../interactions/page.ts';
import type { Revocation } from '../provider/revocation.ts';
import { inWords } from '../security/decisions.ts';
import type { Auditor } from '../audit/context.ts';
import type { DeviceCookies } from '../security/device-cookie.ts';
import type { SignInThrottle } from '../security/sign-in-throttle.ts';
import { adviceFor, type Activity, type ActivityItem, type NoteActivity } from './activity.ts';
import type { connectedApps } from './apps.ts';
import type { AccountHoldings } from './holdings.ts';
import { safeBack, type ConsoleAuth, type Viewer } from './console-auth.ts';
import type { BrowserSessions } from './sessions.ts';
import type Provider from 'oidc-provider';
import { emailSettingsPages, type ConsoleMail } from './email-settings.ts';
import { notFound } from '../errors.ts';
import type { RiskEngine } from '../risk/engine.ts';
import type { Factors } from '../mfa/factors.ts';
import type { Passkeys } from '../mfa/passkeys.ts';
import { securityPages } from './security.ts';

export interface ConsoleDeps {
  auth: ConsoleAuth;
  apps: ReturnType<typeof connectedApps>;
  sessions: BrowserSessions;
  holdings: AccountHoldings;
  activity: Activity;
  note: NoteActivity;
  users: Users;
  /** The person's second factors (security.ts). */
  factors: Factors;
  passkeys: Passkeys;
  revocation: Revocation;
  provider: () => Provider;
  page: Page;
  /** Where the password change is recorded as an audit event. */
  auditor?: Auditor;
  /** The current password is a guess like any sign-in: it spends the same budgets. */
  signInThrottle: SignInThrottle;
  devices: DeviceCookies;
  cookieSecrets: string[];
  csrfCookie: string;
  /** The mail pages (email-settings.ts) and security notices, when mail can be sent. */
  mail?: ConsoleMail;
  /** The risk model, told the person's "this was me / this wasn't me" (undefined with RISK=false). */
  risk?: RiskEngine;
}

const VERDICTS = { 'was-me': 'was_me', 'not-me': 'not_me' } as const;
const FEEDBACK_DONE = {
  was_me: 'Thank you. Sign-ins like that one will look less unusual from now on.',
  not_me:
    'Thank you. Sign-ins from that network and device will be stopped or questioned from now on. Someone else may know your password: change it now (tick “sign out everywhere else” on that page), and look at where you are signed in.',
} as const;

const advised = (items: ActivityItem[]) => items.map((item) => ({ ...item, advice: adviceFor(item) }));

const field = (body: unknown, name: string) => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

export function consolePages(deps: ConsoleDeps): Router {
  const { auth, apps, sessions, activity, users, page } = deps;
  const router = new Router({ prefix: ROUTES.account.path });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  /** The signed-in viewer, or a trip through the sign-in first (coming back here). */
  async function signedIn(ctx: Context, { fresh = false } = {}): Promise<Viewer | undefined> {
    const viewer = await auth.viewer(ctx);
    if (viewer && (!fresh || auth.isFresh(viewer))) return viewer;
    const back = ctx.method === 'GET' ? ctx.path : ROUTES.account.path;
    ctx.redirect(`${ROUTES.account.path}/login?${new URLSearchParams({ back, ...(fresh ? { fresh: '1' } : {}) })}`);
    return undefined;
  }

  const show = (ctx: Context, template: string, viewer: Viewer | undefined, data: Record<string, unknown>) =>
    page(ctx, `account/${template}`, { viewer: viewer && { email: viewer.user.email, name: viewer.user.name, mail: Boolean(deps.mail?.enabled) }, section: template, notice: ctx.query.notice, ...data });

  const act = async (ctx: Context) => {
    verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, field(ctx.request.body, '_csrf'));
    return signedIn(ctx);
  };
  const done = (ctx: Context, where: string, notice: string) => ctx.redirect(`${ROUTES.account.path}${where}?${new URLSearchParams({ notice })}`);

  router.get('/login', async (ctx) => {
    await auth.start(ctx, safeBack(ctx.query.back), ctx.query.fresh === '1');
  });

  router.get('/callback', async (ctx) => {
    if (typeof ctx.query.error === 'string') {
      // The person cancelled the sign-in, or Latchkey refused it: nothing to show but the way back.
      return show(ctx, 'signed-out', undefined, { title: 'Not signed in', cancelled: true });
    }
    const back = await auth.finish(ctx).catch(() => undefined);
    if (!back) return ctx.redirect(`${ROUTES.account.path}/login`);
    ctx.redirect(back);
  });

  router.get('/signed-out', (ctx) => {
    auth.forget(ctx);
    show(ctx, 'signed-out', undefined, { title: 'Signed out' });
  });

  router.get('/help', async (ctx) => {
    show(ctx, 'help', await auth.viewer(ctx), { title: 'Help' });
  });

  router.get('/', async (ctx) => {
    const viewer = await signedIn(ctx);
    if (!viewer) return;
    const [connected, browsers, recent] = await Promise.all([apps.list(viewer.sub), sessions.list(viewer.sub, viewer.sessionUid), activity.recent(viewer.sub, 5).then(advised)]);
    show(ctx, 'overview', viewer, { title: 'Your account', apps: connected, sessions: browsers, activity: recent });
  });

  router.get('/apps', async (ctx) => {
    const viewer = await signedIn(ctx);
    if (viewer) show(ctx, 'apps', viewer, { title: 'Connected apps', apps: await apps.list(viewer.sub) });
  });

  router.post('/apps/:grant/remove', form, async (ctx) => {
    const viewer = await act(ctx);
    if (!viewer) return;
    const grantId = ctx.params.grant ?? '';
    const app = (await apps.list(viewer.sub)).find((a) => a.grantId === grantId);
    const removed = await deps.holdings.removeApp(viewer.sub, grantId);
    if (removed) deps.note(ctx, viewer.sub, { kind: 'access.removed', text: `You removed ${app?.name ?? 'an app'}'s access`, app: app?.name });
    done(ctx, '/apps', removed ? 'The app no longer has access to your account.' : 'That app had no access to remove.');
  });

  router.get('/sessions', async (ctx) => {
    const viewer = await signedIn(ctx);
    if (viewer) show(ctx, 'sessions', viewer, { title: 'Where you are signed in', sessions: await sessions.list(viewer.sub, viewer.sessionUid) });
  });

  router.post('/sessions/sign-out-others', form, async (ctx) => {
    const viewer = await act(ctx);
    if (!viewer) return;
    const count = await sessions.endOthers(viewer.sub, viewer.sessionUid);
    if (count) deps.note(ctx, viewer.sub, { kind: 'session.ended', text: `You signed out of ${count} other ${count === 1 ? 'session' : 'sessions'}` });
    done(ctx, '/sessions', count ? `Signed out of ${count} other ${count === 1 ? 'session' : 'sessions'}.` : 'You were signed in nowhere else.');
  });

  router.post('/sessions/:id/sign-out', form, async (ctx) => {
    const viewer = await act(ctx);
    if (!viewer) return;
    const ended = await sessions.end(viewer.sub, ctx.params.id ?? '');
    if (ended) deps.note(ctx, viewer.sub, { kind: 'session.ended', text: 'You signed a session out' });
    if (ended && ctx.params.id === viewer.sessionUid) return ctx.redirect(`${ROUTES.account.path}/signed-out`);
    done(ctx, '/sessions', ended ? 'That session is signed out.' : 'That session had already ended.');
  });

  router.get('/activity', async (ctx) => {
    const viewer = await signedIn(ctx);
    if (viewer) show(ctx, 'activity', viewer, { title: 'Security activity', activity: advised(await activity.recent(viewer.sub, 50)) });
  });

  router.post('/activity/:key/:verdict', form, async (ctx) => {
    const viewer = await act(ctx);
    if (!viewer) return;
    const verdict = VERDICTS[ctx.params.verdict as keyof typeof VERDICTS];
    const key = ctx.params.key ?? '';
    if (!verdict || !/^[0-9a-z]{1,12}$/.test(key)) throw notFound();
    // Only a sign-in of this very account is found: another person's key answers like an old one.
    const taken = deps.risk ? await deps.risk.feedback(viewer.sub, key, verdict) : false;
    if (!taken) return done(ctx, '/activity', 'That sign-in is too old to change now. If something looks wrong, change your password.');
    const when = new Date(Number.parseInt(key, 36)).toISOString().slice(0, 16).replace('T', ' ');
    deps.note(ctx, viewer.sub, { kind: 'signin.feedback', text: verdict === 'was_me' ? `You said the sign-in of ${when} UTC was you` : `You said the sign-in of ${when} UTC was not you` });
    deps.auditor?.record({ type: 'signin.feedback', version: 1, ...deps.auditor.envelope(ctx), actor: { kind: 'account', sub: viewer.sub }, account: viewer.sub, verdict, signInAt: Number.parseInt(key, 36) });
    done(ctx, verdict === 'not_me' ? '/sessions' : '/activity', FEEDBACK_DONE[verdict]);
  });

  router.get('/password', async (ctx) => {
    const viewer = await signedIn(ctx, { fresh: true });
    if (viewer) show(ctx, 'password', viewer, { title: 'Change your password' });
  });

  router.post('/password', form, async (ctx) => {
    verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, field(ctx.request.body, '_csrf'));
    const viewer = await signedIn(ctx, { fresh: true });
    if (!viewer) return;
    const body = ctx.request.body;
    const again = (error: string, status = 400) => {
      ctx.status = status;
      show(ctx, 'password', viewer, { title: 'Change your password', error, signOutOthers: field(body, 'signOutOthers') === 'yes' });
    };
    const email = normalizeEmail(viewer.user.email);
    const attempt = await deps.signInThrottle.begin({ email, ip: ctx.ip, knownDevice: deps.devices.knownFor(deps.devices.read(ctx), email) });
    if (!attempt.allowed) {
      ctx.set('Retry-After', String(attempt.decision.retryAfter));
      return again(`Too many wrong passwords. Wait ${inWords(attempt.decision.retryAfter)} and try again.`, 429);
    }
    if (!(await users.authenticate(email, field(body, 'current')))) {
      await attempt.failed();
      return again('Your current password is not right. Type it again.');
    }
    await attempt.succeeded();
    if (field(body, 'password') !== field(body, 'confirm')) return again('The two new passwords are not the same. Type them again.');
    try {
      await users.setPassword(viewer.user.email, field(body, 'password'));
    } catch (err) {
      if (err instanceof Error && (err as { status?: number }).status === 400) return again(err.message);
      throw err;
    }
    deps.note(ctx, viewer.sub, { kind: 'password.changed', text: 'Your password was changed' });
    deps.auditor?.record({ type: 'user.password_changed', version: 1, ...deps.auditor.envelope(ctx), actor: { kind: 'account', sub: viewer.sub }, account: viewer.sub });
    deps.mail?.notify(viewer.sub, 'password-changed', { ctx });
    let notice = 'Your password is changed.';
    if (field(body, 'signOutOthers') === 'yes') {
      const count = await sessions.endOthers(viewer.sub, viewer.sessionUid);
      const offline = (await apps.list(viewer.sub)).filter((app) => app.offline);
      await Promise.all(offline.map((app) => deps.revocation.grant(app.grantId)));
      notice = `Your password is changed. Signed out of ${count} other ${count === 1 ? 'session' : 'sessions'}${offline.length ? `, and ${offline.length} ${offline.length === 1 ? 'app' : 'apps'} that stayed connected must ask you again` : ''}.`;
    }
    done(ctx, '', notice);
  });

  securityPages(router, form, { ...deps, show });

  if (deps.mail) emailSettingsPages(router, deps.mail, { signedIn, act, show, done, form, verifyCsrf: (ctx) => verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, field(ctx.request.body, '_csrf')) });
  return router;
}
