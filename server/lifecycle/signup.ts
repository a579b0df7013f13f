// Sign-up (ALLOW_SIGNUP, off by default) and email verification.
//   GET/POST /signup                  name, email, password: the same answer for a new address and
//                                     for one an account has (whose owner is mailed "someone tried
//                                     to sign up with your address" instead); the password is
//                                     checked and hashed either way, so timing tells nothing
//   GET/POST /verify-email/:token     the mailed link: once, within EMAIL_VERIFICATION_TTL, and
//                                     only while the account still has the address it was sent to
// A new account is unverified (`email_verified` false) until its link is followed.
import Router from '@koa/router';
import type { Context } from 'koa';
import { normalizeEmail, isEmail } from '../accounts/users.ts';
import { PasswordPolicyError } from '../accounts/password-policy.ts';
import type { AuditEvent } from '../audit/catalogue.ts';
import { notFound } from '../errors.ts';
import { verifyCsrf } from '../http/csrf.ts';
import { ROUTES } from '../http/routes.ts';
import { duration, field, type LifecycleDeps } from './deps.ts';
import { linkGone } from './password-reset.ts';


export function signupRoutes(router: Router, deps: LifecycleDeps): void {
  const { page, users, mail, links, throttle } = deps;
  const validFor = duration(deps.emailVerificationTtl);

  // A link to the account's address, while it is unverified and still has that address.
  mail.queue.handle('verify-email', async (job) => {
    const user = job.account ? await users.get(job.account) : undefined;
    if (!user || user.emailVerified || user.email !== job.data.email) return undefined;
    const token = await links.mint({ purpose: 'verify', sub: user.sub, email: user.email }, deps.emailVerificationTtl);
    return { to: user.email, ...mail.render('verify-email', { issuer: deps.issuer, email: user.email, name: user.name, url: `${deps.issuer}${ROUTES.verifyEmail.path}/${token}`, validFor }) };
  });
  mail.queue.handle('signup-existing', async (job) => {
    const user = job.account ? await users.get(job.account) : undefined;
    if (!user || user.email !== job.data.email) return undefined;
    return { to: user.email, ...mail.render('signup-existing', { issuer: deps.issuer, email: user.email, forgotUrl: `${deps.issuer}${ROUTES.forgotPassword.path}` }) };
  });

  const signupPage = (ctx: Context, data: Record<string, unknown>) => page(ctx, 'lifecycle/signup', { title: 'Create an account', action: ROUTES.signup.path, validFor, ...data });
  const allowed = () => {
    if (!deps.allowSignup || !mail.enabled) throw notFound();
  };

  router.get(ROUTES.signup.path, async (ctx) => {
    allowed();
    signupPage(ctx, {});
  });

  router.post(ROUTES.signup.path, async (ctx) => {
    allowed();
    verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, field(ctx, '_csrf'));
    const name = field(ctx, 'name').trim().slice(0, 200);
    const email = normalizeEmail(field(ctx, 'email')).slice(0, 320);
    const password = field(ctx, 'password');
    const again = (status: number, error: string) => {
      ctx.status = status;
      signupPage(ctx, { name, email, error });
    };
    if (!name) return again(400, 'Type your name.');
    if (!isEmail(email)) return again(400, 'Type your email address, like name@example.com.');
    const verdict = await throttle.check('signup', email, ctx.ip);
    if (!verdict.allowed) {
      ctx.set('Retry-After', String(verdict.retryAfter));
      return again(429, 'Too many sign-ups from here or for this address. Wait an hour and try again.');
    }
    let made;
    try {
      made = await users.register({ email, name, password, emailVerified: false });
    } catch (err) {
      if (err instanceof PasswordPolicyError) return again(400, err.message);
      throw err;
    }
    if (made.created) {
      deps.auditor?.record({ type: 'user.signed_up', version: 1, ...deps.auditor.envelope(ctx), actor: { kind: 'system', component: 'signup' }, account: made.user.sub } as AuditEvent);
      await mail.queue.enqueue({ kind: 'verify-email', account: made.user.sub, data: { email } });
    } else {
      await mail.queue.enqueue({ kind: 'signup-existing', account: made.user.sub, data: { email } });
    }
    signupPage(ctx, { email, sent: true });
  });

  const again = { href: '/account', text: 'Sign in to ask for a new link' };
  router.get(`${ROUTES.verifyEmail.path}/:token`, async (ctx) => {
    const link = await links.peek('verify', ctx.params.token!);
    if (!link) return linkGone(deps, ctx, again);
    // A button, not the GET itself: mail scanners that open links must not use them up.
    page(ctx, 'lifecycle/confirm', { title: 'Confirm your email address', message: `Confirm that ${link.email} is your address.`, submit: 'Confirm my address', action: `${ROUTES.verifyEmail.path}/${ctx.params.token}` });
  });

  router.post(`${ROUTES.verifyEmail.path}/:token`, async (ctx) => {
    verifyCsrf(ctx, deps.cookieSecrets, deps.csrfCookie, field(ctx, '_csrf'));
    const link = await links.consume('verify', ctx.params.token!);
    const user = link && (await users.get(link.sub));
    // Bound to the address it was sent to: after a change of address it verifies nothing.
    if (!link || !user || user.email !== link.email) return linkGone(deps, ctx, again);
    await users.setEmailVerified(user.email, true);
    deps.auditor?.record({ type: 'user.email_verified', version: 1, ...deps.auditor.envelope(ctx), actor: { kind: 'account', sub: user.sub }, account: user.sub } as AuditEvent);
    page(ctx, 'lifecycle/message', { title: 'Address confirmed', message: `Thank you: ${user.email} is confirmed.`, link: { href: '/account', text: 'Go to your account' } });
  });
}
