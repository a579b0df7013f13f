// Audit events of outgoing mail and of the account lifecycle by email (server/mail/,
// server/lifecycle/). Never a link, a token or a message body: what kind of mail, to whom (by
// account), and what became of it.
import { z } from 'zod';
import { defineEvent } from './define.ts';
import { actorOf, sub } from './fields.ts';

const kind = z.string().min(1).max(64).describe('What the mail is: `password-reset`, `verify-email`, `security-notice`, …');

export const mailFailed = defineEvent('mail.failed', 1, {
  summary: 'A mail could not be handed to the SMTP server; it is retried with backoff, or was given up on.',
  audience: 'operator',
  source: 'server/mail/queue.ts',
  actor: actorOf('system'),
  fields: {
    kind,
    account: sub.optional(),
    attempts: z.number().int().positive().describe('Attempts so far'),
    gaveUp: z.boolean().describe('No more attempts: the mail is dropped'),
    reason: z.string().min(1).max(300).describe('What the SMTP client said (no addresses, no content)'),
  },
});

export const passwordReset = defineEvent('user.password_reset', 1, {
  summary: 'A person set a new password with a mailed reset link; every session ended (and, by policy, every app’s access).',
  audience: 'person',
  source: 'POST /reset-password/:token (server/lifecycle/)',
  actor: actorOf('account'),
  fields: { account: sub, offlineAccessRemoved: z.boolean().describe('Apps’ refresh tokens were removed too (PASSWORD_RESET_REMOVES_OFFLINE_ACCESS)') },
});

export const emailVerified = defineEvent('user.email_verified', 1, {
  summary: 'An account’s email address was verified (a mailed link, or an operator).',
  audience: 'person',
  source: 'POST /verify-email/:token (actor account); POST /admin/users/verify (actor admin)',
  actor: actorOf('account', 'admin'),
  fields: { account: sub },
});

export const signedUp = defineEvent('user.signed_up', 1, {
  summary: 'A person created an account at /signup (unverified until the mailed link is followed).',
  audience: 'person',
  source: 'server/lifecycle/signup.ts',
  actor: actorOf('system'),
  fields: { account: sub },
});
