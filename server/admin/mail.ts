// /admin/users/invite, /admin/users/verify and /admin/mail/test: the operator's side of the
// account lifecycle by email (the CLI's `users invite`, `users verify`, `mail test`).
//   invite  creates the account without a password anyone knows and mails a set-password link
//   verify  marks the address verified (email_verified: true)
//   test    sends one mail through SMTP now, answering with what the server said
import { randomBytes } from 'node:crypto';
import type { Router } from '@koa/router';
import { z } from 'zod';
import { toView, type Users } from '../accounts/users.ts';
import { LatchkeyError } from '../errors.ts';
import type { Mail } from '../mail/index.ts';
import type { AdminRecord } from './audit-events.ts';
import { readBody } from './body.ts';

const email = z.string().trim().min(3).max(254).regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');
const InviteBody = z.strictObject({ email, name: z.string().trim().min(1).max(200).optional() });
const EmailBody = z.strictObject({ email });
const TestBody = z.strictObject({ to: email });

const noMail = () => new LatchkeyError(409, 'mail_not_configured', 'this server sends no mail: set SMTP_URL (see the README, "Mail and account lifecycle")');

export function mailRoutes(router: Router, users: Users, mail: Mail, issuer: string, record: AdminRecord): void {
  router.post('/users/invite', async (ctx) => {
    if (!mail.enabled) throw noMail();
    const input = readBody(ctx, InviteBody);
    // A password nobody knows (never stored but as its hash): the invitation's link sets the real one.
    const user = await users.create({ email: input.email, name: input.name, password: randomBytes(32).toString('base64url'), emailVerified: false });
    record(ctx, { type: 'user.created', account: user.sub });
    await mail.queue.enqueue({ kind: 'invite', account: user.sub, data: { email: user.email } });
    ctx.status = 201;
    ctx.body = { user: toView(user), invited: true };
  });

  router.post('/users/verify', async (ctx) => {
    const { email: address } = readBody(ctx, EmailBody);
    const user = await users.setEmailVerified(address, true);
    record(ctx, { type: 'user.email_verified', account: user.sub });
    ctx.body = { user: toView(user) };
  });

  router.post('/mail/test', async (ctx) => {
    if (!mail.enabled) throw noMail();
    const { to } = readBody(ctx, TestBody);
    try {
      await mail.transport.send({ to, ...mail.render('test', { issuer }) });
    } catch (err) {
      throw new LatchkeyError(502, 'mail_failed', `the SMTP server did not take the mail: ${String((err as Error).message).slice(0, 300)}`, { expose: true });
    }
    ctx.body = { sent: true, to, via: mail.transport.kind };
  });
}
