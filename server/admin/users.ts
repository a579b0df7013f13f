// /admin/users: create, list, disable/enable and reset passwords. Responses carry UserView,
// which never holds the password hash.
import type { Router } from '@koa/router';
import { z } from 'zod';
import { toView, type Users } from '../accounts/users.ts';
import type { Activity } from '../account/activity.ts';
import type { Revocation } from '../provider/revocation.ts';
import type { AdminRecord } from './audit-events.ts';
import { readBody } from './body.ts';
import { readPage } from './paging.ts';

// Deliberately loose: operators run internal domains (alice@corp, bob@localhost). Uniqueness and
// case-folding are the Users repository's job.
const email = z
  .string()
  .trim()
  .min(3)
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');
// The real policy (accounts/password-policy.ts) is applied by Users; this only bounds input.
const password = z.string().min(1).max(1024);
const text = z.string().trim().min(1).max(200);

const NewUserBody = z.strictObject({
  email,
  password,
  name: text.optional(),
  givenName: text.optional(),
  familyName: text.optional(),
  preferredUsername: text.optional(),
  emailVerified: z.boolean().optional(),
});
const EmailBody = z.strictObject({ email });
const PasswordBody = z.strictObject({ email, password });

export function userRoutes(router: Router, users: Users, revocation: Revocation, activity: Activity, record: AdminRecord = () => {}): void {
  // The person hears of it in their security activity (a failure to record it undoes nothing).
  const tell = (sub: string, text: string) => activity.record(sub, { kind: 'password.changed', text, at: Date.now() }).catch(() => undefined);

  router.get('/users', async (ctx) => {
    const { users: page, next } = await users.list(readPage(ctx));
    ctx.body = { users: page.map(toView), ...(next === undefined ? {} : { next }) };
  });

  router.post('/users', async (ctx) => {
    const input = readBody(ctx, NewUserBody);
    const user = await users.create(input);
    record(ctx, { type: 'user.created', account: user.sub });
    ctx.status = 201;
    ctx.body = { user: toView(user) };
  });

  // Disabling a user, or changing a password, ends everything the account holds: its sessions,
  // its apps' grants and their tokens (oidc-provider does neither by itself). Re-enabling brings
  // none of it back.
  router.post('/users/disable', async (ctx) => {
    const { email } = readBody(ctx, EmailBody);
    const user = await users.setDisabled(email, true);
    record(ctx, { type: 'user.disabled', account: user.sub });
    ctx.body = { user: toView(user), revoked: await revocation.account(user.sub) };
  });

  router.post('/users/enable', async (ctx) => {
    const { email } = readBody(ctx, EmailBody);
    const user = await users.setDisabled(email, false);
    record(ctx, { type: 'user.enabled', account: user.sub });
    ctx.body = { user: toView(user) };
  });

  router.post('/users/password', async (ctx) => {
    const { email, password } = readBody(ctx, PasswordBody);
    const user = await users.setPassword(email, password);
    const revoked = await revocation.account(user.sub);
    record(ctx, { type: 'user.password_changed', account: user.sub });
    await tell(user.sub, 'An administrator set a new password for your account and signed you out everywhere');
    ctx.body = { user: toView(user), revoked };
  });
}
