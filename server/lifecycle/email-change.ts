// Changing the address of an account (asked for in the account console, account/email-settings.ts):
//   the console queues a confirmation link to the new address (nothing is said about whether an
//   account has it: a taken address is mailed nothing and the change can never complete);
//   GET/POST /email-change/confirm/:token  moves the account to the new address (verified) and
//                                          mails the old one a notice with a "this wasn't me" link;
//   GET/POST /email-change/undo/:token     moves it back, ends every session and app access (who
//                                          changed it may be signed in), and says to reset the password.
import Router from '@koa/router';
import type { Context } from 'koa';
import { normalizeEmail, UserExistsError } from '../accounts/users.ts';
import { verifyCsrf } from '../http/csrf.ts';
import { ROUTES } from '../http/routes.ts';
import { field, type LifecycleDeps } from './deps.ts';
import { linkGone } from './password-reset.ts';

const CONFIRM_TTL_SECONDS = 24 * 3600;
const UNDO_TTL_SECONDS = 7 * 24 * 3600;
const confirmPath = `${ROUTES.emailChange.path}/confirm`;
const undoPath = `${ROUTES.emailChange.path}/undo`;

export type RequestEmailChange = (sub: string, newEmail: string) => Promise<void>;

export function emailChange(deps: Pick<LifecycleDeps, 'mail' | 'users' | 'links' | 'issuer'>): RequestEmailChange {
  const { mail, users, links, issuer } = deps;
  mail.queue.handle('email-change', async (job) => {
    const user = job.account ? await users.get(job.account) : undefined;
    const newEmail = String(job.data.newEmail);
    if (!user || user.email !== job.data.email || (await users.findByEmail(newEmail))) return undefined;
    const token = await links.mint({ purpose: 'email-change', sub: user.sub, email: user.email, newEmail }, CONFIRM_TTL_SECONDS);
    return { to: newEmail, ...mail.render('email-change-confirm', { issuer, email: user.email, newEmail, url: `${issuer}${confirmPath}/${token}` }) };
  });
  mail.queue.handle('email-changed', async (job) => {
    const user = job.account ? await users.get(job.account) : undefined;
    const previous = String(job.data.previous);
    if (!user || user.email !== job.data.email) return undefined;
    const token = await links.mint({ purpose: 'email-undo', sub: user.sub, email: user.email, newEmail: previous }, UNDO_TTL_SECONDS);
    return { to: previous, ...mail.render('email-changed', { issuer, previous, email: user.email, at: job.queuedAt, url: `${issuer}${undoPath}/${token}` }) };
  });
  return async (sub, newEmail) => {
    const user = await users.get(sub);
    if (!user) return;
    await mail.queue.enqueue({ kind: 'email-change', account: sub, data: { email: user.email, newEmail: normalizeEmail(newEmail) } });
  };
}

export function emailChangeRoutes(router: Router, deps: LifecycleDeps): void {
  const { page, users, links, mail } = deps;
  const again = { href: '/account/email', text: 'Go to your account' };
  const confirmPage = (ctx: Context, title: string, message: string, submit: string) => page(ctx, 'lifecycle/confirm', { title, message, submit, action: ctx.path });

  router.get(`${confirmPath}/:token`, async (ctx) => {
    const link = await links.peek('email-change', ctx.params.token!);
    if (!link) return linkGone(deps, ctx, again);
    confirmPage(ctx, 'Confirm your new address', `Use ${link.newEmail} as the address of your account instead of ${link.email}.`, 'Use this address');
  });

  router.post(`${confirmPath}/:token`, async (ctx) => {
    verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, field(ctx, '_csrf'));
    const link = await links.consume('email-change', ctx.params.token!);
    const user = link && (await users.get(link.sub));
    if (!link?.newEmail || !user || user.email !== link.email) return linkGone(deps, ctx, again);
    try {
      await users.changeEmail(link.email, link.newEmail, { verified: true });
    } catch (err) {
      if (err instanceof UserExistsError) return linkGone(deps, ctx, again);
      throw err;
    }
    // The old address hears of it, with the way back; the new one gets the security notice.
    await mail.queue.enqueue({ kind: 'email-changed', account: user.sub, data: { email: link.newEmail, previous: link.email } });
    page(ctx, 'lifecycle/message', { title: 'Address changed', message: `Your account now uses ${link.newEmail}. Sign in with it from now on.`, link: { href: '/account', text: 'Go to your account' } });
  });

  router.get(`${undoPath}/:token`, async (ctx) => {
    const link = await links.peek('email-undo', ctx.params.token!);
    if (!link) return linkGone(deps, ctx, { href: ROUTES.forgotPassword.path, text: 'Reset your password' });
    confirmPage(ctx, 'This wasn’t me', `Put your account back on ${link.newEmail}, sign out everyone using it and remove every app’s access.`, 'Undo the change');
  });

  router.post(`${undoPath}/:token`, async (ctx) => {
    verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, field(ctx, '_csrf'));
    const link = await links.consume('email-undo', ctx.params.token!);
    const user = link && (await users.get(link.sub));
    if (!link?.newEmail || !user || user.email !== link.email) return linkGone(deps, ctx, { href: ROUTES.forgotPassword.path, text: 'Reset your password' });
    try {
      await users.changeEmail(link.email, link.newEmail, { verified: true });
    } catch (err) {
      if (err instanceof UserExistsError) return linkGone(deps, ctx, { href: ROUTES.forgotPassword.path, text: 'Reset your password' });
      throw err;
    }
    await deps.revocation.account(user.sub);
    deps.notify(user.sub, 'email-changed', { ctx, detail: `The change of your account's address to ${link.email} was undone: it uses ${link.newEmail} again, and everyone was signed out.` });
    page(ctx, 'lifecycle/message', {
      title: 'Change undone',
      message: `Your account uses ${link.newEmail} again, and everyone using it was signed out. Whoever changed it may know your password: choose a new one now.`,
      link: { href: ROUTES.forgotPassword.path, text: 'Choose a new password' },
    });
  });
}
