// What the account lifecycle pages are given (app.ts builds it).
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { Users } from '../accounts/users.ts';
import type { Auditor } from '../audit/context.ts';
import type { Page } from '../interactions/page.ts';
import type { Mail } from '../mail/index.ts';
import type { Revocation } from '../provider/revocation.ts';
import type { MailThrottle } from '../security/mail-throttle.ts';
import type { Links } from './links.ts';
import type { Notify } from './notify.ts';

export interface LifecycleDeps {
  issuer: string;
  cookieSecrets: string[];
  csrfCookie: string;
  users: Users;
  mail: Mail;
  links: Links;
  page: Page;
  throttle: MailThrottle;
  revocation: Revocation;
  /** Ends every browser session of an account (the console's sign-out-everywhere). */
  endSessions: (sub: string) => Promise<unknown>;
  notify: Notify;
  auditor?: Auditor;
  logger: Logger;
  allowSignup: boolean;
  emailVerificationTtl: number;
  passwordResetRemovesOfflineAccess: boolean;
}

export function field(ctx: Context, name: string): string {
  const value = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/** "30 minutes", "24 hours", "2 days". */
export function duration(seconds: number): string {
  if (seconds % 86_400 === 0 && seconds > 86_400) return `${seconds / 86_400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  return `${Math.round(seconds / 60)} minutes`;
}
