// Forgot password (from the login page) and setting a new one with the mailed link.
//   GET/POST /forgot-password          the address; always the same answer ("if an account uses it…")
//   GET/POST /reset-password/:token    a new password, once, within 30 minutes
// The request does the same work whether or not an account has the address (the throttle's
// counts and one job appended to the mail queue); the queue's handler looks the address up and
// writes a mail only for an account that has it. Setting the new password ends every session of
// the account and, by policy (PASSWORD_RESET_REMOVES_OFFLINE_ACCESS, on by default), every app's
// access too; the address counts as verified (the person read mail sent to it).
import Router from '@koa/router';
import type { Context } from 'koa';
import { normalizeEmail, isEmail } from '../accounts/users.ts';
import { checkNewPassword, PasswordPolicyError } from '../accounts/password-policy.ts';
import type { AuditEvent } from '../audit/catalogue.ts';
import { verifyCsrf } from '../http/csrf.ts';
import { ROUTES } from '../http/routes.ts';
import { field, type LifecycleDeps } from './deps.ts';
import type { LinkPurpose } from './links.ts';

export const RESET_TTL_SECONDS = 30 * 60;
// An invitation (`latchkey users invite`) is a first password set the same way.
const RESETS: LinkPurpose[] = ['reset', 'invite'];
const INVITE_TTL_SECONDS = 7 * 86_400;

export const linkGone = (deps: Pick<LifecycleDeps, 'page'>, ctx: Context, again: { href: string; text: string }) => {
  ctx.status = 400;
  deps.page(ctx, 'lifecycle/message', {
    title: 'This link no longer works',
    alert: true,
    message: 'This link has expired or was used already. Links in our mails work once, for a limited time.',
    link: again,
  });
};

export function passwordResetRoutes(router: Router, deps: LifecycleDeps): void {
  const { page, users, mail, links, throttle } = deps;
  const forgotPage = (ctx: Context, data: Record<string, unknown>) => page(ctx, 'lifecycle/forgot-password', { title: 'Forgot your password?', action: ROUTES.forgotPassword.path, ...data });

  mail.queue.handle('password-reset', async (job) => {
    const user = await users.findByEmail(String(job.data.email));
    if (!user || user.disabled) return undefined;
    const token = await links.mint({ purpose: 'reset', sub: user.sub, email: user.email }, RESET_TTL_SECONDS);
    const url = `${deps.issuer}${ROUTES.resetPassword.path}/${token}`;
    return { to: user.email, ...mail.render('password-reset', { issuer: deps.issuer, email: user.email, url, removesOfflineAccess: deps.passwordResetRemovesOfflineAccess }) };
  });

  mail.queue.handle('invite', async (job) => {
    const user = job.account ? await users.get(job.account) : undefined;
    if (!user || user.disabled || user.email !== job.data.email) return undefined;
    const token = await links.mint({ purpose: 'invite', sub: user.sub, email: user.email }, INVITE_TTL_SECONDS);
    return { to: user.email, ...mail.render('invite', { issuer: deps.issuer, email: user.email, url: `${deps.issuer}${ROUTES.resetPassword.path}/${token}`, validFor: '7 days' }) };
  });

  router.get(ROUTES.forgotPassword.path, async (ctx) => forgotPage(ctx, {}));

  router.post(ROUTES.forgotPassword.path, async (ctx) => {
    verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, field(ctx, '_csrf'));
    const email = normalizeEmail(field(ctx, 'email')).slice(0, 320);
    if (!isEmail(email)) {
      ctx.status = 400;
      return forgotPage(ctx, { email, error: 'Type the email address of your account, like name@example.com.' });
    }
    const verdict = await throttle.check('forgot', email, ctx.ip);
    if (!verdict.allowed) {
      ctx.status = 429;
      ctx.set('Retry-After', String(verdict.retryAfter));
      return forgotPage(ctx, { email, error: 'Too many requests for a link. Wait an hour and try again; a link already sent still works for 30 minutes.' });
    }
    await mail.queue.enqueue({ kind: 'password-reset', data: { email } });
    forgotPage(ctx, { email, sent: true });
  });

  const resetPage = (ctx: Context, token: string, email: string, error?: string) =>
    page(ctx, 'lifecycle/reset-password', {
      title: 'Choose a new password',
      heading: 'Choose a new password',
      submit: 'Set new password',
      action: `${ROUTES.resetPassword.path}/${token}`,
      email,
      error,
      endsSessions: true,
      removesOfflineAccess: deps.passwordResetRemovesOfflineAccess,
    });
  const again = { href: ROUTES.forgotPassword.path, text: 'Ask for a new link' };

  router.get(`${ROUTES.resetPassword.path}/:token`, async (ctx) => {
    const link = await links.peek(RESETS, ctx.params.token!);
    const user = link && (await users.get(link.sub));
    if (!link || !user || user.email !== link.email) return linkGone(deps, ctx, again);
    resetPage(ctx, ctx.params.token!, user.email);
  });

  router.post(`${ROUTES.resetPassword.path}/:token`, async (ctx) => {
    verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, field(ctx, '_csrf'));
    const token = ctx.params.token!;
    const link = await links.peek(RESETS, token);
    const user = link && (await users.get(link.sub));
    if (!link || !user || user.email !== link.email) return linkGone(deps, ctx, again);
    const password = field(ctx, 'password');
    const retry = (error: string) => {
      ctx.status = 400;
      resetPage(ctx, token, user.email, error);
    };
    if (password !== field(ctx, 'confirm')) return retry('The two passwords are not the same. Type the new password twice.');
    try {
      checkNewPassword(password, { email: user.email });
    } catch (err) {
      if (err instanceof PasswordPolicyError) return retry(err.message);
      throw err;
    }
    // Checked first, used up only now: a refused password leaves the link working.
    if (!(await links.use(token))) return linkGone(deps, ctx, again);
    await users.setPassword(user.email, password);
    if (!user.emailVerified) await users.setEmailVerified(user.email, true);
    const removeApps = deps.passwordResetRemovesOfflineAccess;
    if (removeApps) await deps.revocation.account(user.sub);
    else await deps.endSessions(user.sub);
    deps.auditor?.record({ type: 'user.password_reset', version: 1, ...deps.auditor.envelope(ctx), actor: { kind: 'account', sub: user.sub }, account: user.sub, offlineAccessRemoved: removeApps } as AuditEvent);
    deps.notify(user.sub, 'password-changed', { ctx });
    page(ctx, 'lifecycle/message', {
      title: 'Password changed',
      message: `Your new password is set, and you were signed out everywhere${removeApps ? ', and apps you connected will ask you to sign in again' : ''}. Sign in with the new password.`,
      link: { href: '/account', text: 'Go to your account' },
    });
  });
}
