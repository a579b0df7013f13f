// The console's mail pages, when Latchkey can send mail (server/lifecycle/ does the sending):
//   /account/email          the account's address; asking to change it mails a confirmation link
//                           to the new one (a fresh sign-in first)
//   /account/notifications  which optional security notices to get; the critical ones always go
import { isEmail } from '../accounts/users.ts';
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Viewer } from './console-auth.ts';

export interface ConsoleMail {
  enabled: boolean;
  notify: (sub: string, kind: 'password-changed' | 'offline-access' | 'mfa-added' | 'mfa-removed', facts: { ctx?: Context; app?: string; detail?: string }) => void;
  preferences: { off(sub: string): Promise<string[]>; set(sub: string, off: string[]): Promise<void> };
  /** Every kind of notice, in the order shown; only `optional` ones can be turned off. */
  notices: { kind: string; label: string; optional: boolean }[];
  requestEmailChange: (sub: string, newEmail: string) => Promise<void>;
  throttle: { check(kind: 'forgot' | 'signup' | 'email-change', email: string, ip: string): Promise<{ allowed: boolean; retryAfter?: number }> };
}

export interface ConsoleHelpers {
  signedIn(ctx: Context, options?: { fresh?: boolean }): Promise<Viewer | undefined>;
  act(ctx: Context): Promise<Viewer | undefined>;
  show(ctx: Context, template: string, viewer: Viewer | undefined, data: Record<string, unknown>): void;
  done(ctx: Context, where: string, notice: string): void;
  verifyCsrf(ctx: Context): void;
  form: Middleware;
}

const value = (ctx: Context, name: string) => {
  const v = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : '';
};

export function emailSettingsPages(router: Router, mail: ConsoleMail, h: ConsoleHelpers): void {
  if (!mail.enabled) return;

  router.get('/email', async (ctx) => {
    const viewer = await h.signedIn(ctx, { fresh: true });
    if (viewer) h.show(ctx, 'email', viewer, { title: 'Email address', current: viewer.user.email, verified: viewer.user.emailVerified });
  });

  router.post('/email', h.form, async (ctx) => {
    h.verifyCsrf(ctx);
    const viewer = await h.signedIn(ctx, { fresh: true });
    if (!viewer) return;
    const newEmail = String(value(ctx, 'email')).trim().toLowerCase().slice(0, 320);
    const again = (status: number, error: string) => {
      ctx.status = status;
      h.show(ctx, 'email', viewer, { title: 'Email address', current: viewer.user.email, verified: viewer.user.emailVerified, error, email: newEmail });
    };
    if (!isEmail(newEmail)) return again(400, 'Type the new address, like name@example.com.');
    if (newEmail === viewer.user.email) return again(400, 'That is the address your account uses already.');
    const verdict = await mail.throttle.check('email-change', newEmail, ctx.ip);
    if (!verdict.allowed) return again(429, 'Too many changes asked for. Wait an hour and try again.');
    await mail.requestEmailChange(viewer.sub, newEmail);
    h.done(ctx, '/email', `We have sent a link to ${newEmail}. Open it to confirm the change; until then your account keeps ${viewer.user.email}.`);
  });

  router.get('/notifications', async (ctx) => {
    const viewer = await h.signedIn(ctx);
    if (!viewer) return;
    const off = new Set(await mail.preferences.off(viewer.sub));
    h.show(ctx, 'notifications', viewer, { title: 'Security notices', notices: mail.notices.map((n) => ({ ...n, on: !n.optional || !off.has(n.kind) })) });
  });

  router.post('/notifications', h.form, async (ctx) => {
    const viewer = await h.act(ctx);
    if (!viewer) return;
    const raw = value(ctx, 'on');
    const on = new Set(Array.isArray(raw) ? raw : [raw]);
    await mail.preferences.set(viewer.sub, mail.notices.filter((n) => n.optional && !on.has(n.kind)).map((n) => n.kind));
    h.done(ctx, '/notifications', 'Your choices are saved.');
  });
}
