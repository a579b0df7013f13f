// Security notifications by mail: `notify(account, kind, facts)` queues one; the mail says what
// happened, when, where (device and approximate place, from the request that caused it) and what
// to do, with a link to the account console. A person can turn off the optional kinds in the
// console (preferences.ts); the security-critical ones (password, email, MFA changes) always go.
// Never waited on and never failing the caller: a notice that cannot be queued is logged.
import type { Logger } from 'pino';
import type { Users } from '../accounts/users.ts';
import type { Mail } from '../mail/index.ts';
import type { Preferences } from './preferences.ts';

export const NOTICES = {
  'new-device': { optional: true, label: 'Sign-ins from a new device or place', headline: 'New sign-in to your account', what: (f: Facts) => `Someone signed in to your account${f.app ? ` to use ${f.app}` : ''} from a device or place it has not been used from before.`, advice: 'If this was you, there is nothing to do. If not, change your password now and sign out everywhere from your account.' },
  'offline-access': { optional: true, label: 'Apps given lasting access', headline: 'An app can now use your account while you are away', what: (f: Facts) => `${f.app ?? 'An app'} was allowed to keep access to your account (offline access) until you remove it.`, advice: 'If you did not allow this, remove the app from your account and change your password.' },
  'unusual-access': { optional: true, label: 'Unusual activity on your account', headline: 'Unusual activity on your account', what: (f: Facts) => f.detail ?? 'We noticed activity on your account that does not look like its usual use.', advice: 'If this was not you, change your password now and sign out everywhere from your account.' },
  'password-changed': { optional: false, label: 'Password changes', headline: 'Your password was changed', what: () => 'The password of your account was changed.', advice: 'If you did this, there is nothing to do. If not, reset your password now from the sign-in page (Forgot your password?) and check your account.' },
  'email-changed': { optional: false, label: 'Email address changes', headline: 'Your email address was changed', what: (f: Facts) => f.detail ?? 'The email address of your account was changed.', advice: 'If you did not do this, use the link in the mail we sent to your previous address to undo it, and reset your password.' },
  'mfa-added': { optional: false, label: 'Two-step verification added', headline: 'A two-step verification method was added', what: (f: Facts) => f.detail ?? 'A two-step verification method was added to your account.', advice: 'If you did not do this, change your password now and remove the method from your account.' },
  'mfa-removed': { optional: false, label: 'Two-step verification removed', headline: 'A two-step verification method was removed', what: (f: Facts) => f.detail ?? 'A two-step verification method was removed from your account.', advice: 'If you did not do this, change your password now and check your account.' },
} as const;

export type NoticeKind = keyof typeof NOTICES;
export const OPTIONAL_NOTICES = (Object.keys(NOTICES) as NoticeKind[]).filter((k) => NOTICES[k].optional);

export interface Facts {
  /** The request that caused it: where from (address, device, place). */
  ctx?: { ip: string; get(header: string): string };
  at?: number;
  /** The app concerned, by name. */
  app?: string;
  /** Words that replace the kind's usual "what". */
  detail?: string;
  /** Send to this address instead of the account's (the previous one, after a change). */
  to?: string;
}

export type Notify = (account: string, kind: NoticeKind, facts?: Facts) => void;

export interface NotifyDeps {
  mail: Mail;
  users: Users;
  preferences: Preferences;
  issuer: string;
  /** The device and approximate place of a request (account/places.ts, http/user-agent.ts). */
  where: (ip: string, userAgent: string | undefined) => { device?: string; place?: string };
  logger: Logger;
}

export function createNotify({ mail, users, preferences, issuer, where, logger }: NotifyDeps): Notify {
  mail.queue.handle('notice', async (job) => {
    const kind = job.data.kind as NoticeKind;
    const spec = NOTICES[kind];
    const user = job.account ? await users.get(job.account) : undefined;
    if (!spec || !user) return undefined;
    if (spec.optional && (await preferences.isOff(user.sub, kind))) return undefined;
    // An account's first sign-ins, just after it was made, are from a new device by definition.
    if (kind === 'new-device' && Date.now() - user.createdAt < 15 * 60_000) return undefined;
    const facts = job.data as unknown as Facts & { device?: string; place?: string; ip?: string; at: number };
    return {
      to: facts.to ?? user.email,
      ...mail.render('notice', { issuer, headline: spec.headline, what: spec.what(facts), advice: spec.advice, at: facts.at, device: facts.device, place: facts.place, ip: facts.ip, consoleUrl: `${issuer}/account`, optional: spec.optional }),
    };
  });
  return (account, kind, facts = {}) => {
    if (!mail.enabled) return;
    const ip = facts.ctx?.ip;
    const seen = facts.ctx ? where(facts.ctx.ip, facts.ctx.get('user-agent') || undefined) : {};
    const data = { kind, at: facts.at ?? Date.now(), ...(ip ? { ip } : {}), ...seen, ...(facts.app ? { app: facts.app } : {}), ...(facts.detail ? { detail: facts.detail } : {}), ...(facts.to ? { to: facts.to } : {}) };
    mail.queue.enqueue({ kind: 'notice', account, data }).catch((err: unknown) => logger.warn({ err, kind }, 'could not queue a security notice'));
  };
}
