// The account lifecycle pages wired for the app (server/lifecycle/): what they need from the
// app's other parts, gathered here so app.ts adds one stack.
import type { Middleware } from 'koa';
import type { Config } from '../../config/index.ts';
import type { Users } from '../accounts/users.ts';
import type { AccountHoldings } from '../account/holdings.ts';
import type { Auditor } from '../audit/context.ts';
import type { Render } from '../http/render.ts';
import { createPage } from '../interactions/page.ts';
import { emailChange, lifecycleStack, mailLinks, type Notify, type RequestEmailChange } from '../lifecycle/index.ts';
import type { Mail } from '../mail/index.ts';
import type { Revocation } from '../provider/revocation.ts';
import { createMailThrottle, type MailThrottle } from '../security/mail-throttle.ts';
import type { Pseudonym } from '../security/pseudonyms.ts';
import type { Store } from '../store/types.ts';
import type { Logger } from 'pino';

export interface LifecycleWiring {
  config: Config;
  store: Store;
  users: Users;
  mail: Mail;
  notify: Notify;
  holdings: AccountHoldings;
  revocation: Revocation;
  render: Render;
  pseudonym: Pseudonym;
  csrfCookie: string;
  auditor?: Auditor;
  logger: Logger;
}

export function lifecycle(w: LifecycleWiring): { stack: Middleware; requestEmailChange: RequestEmailChange; throttle: MailThrottle } {
  const links = mailLinks(w.store.oidc);
  const throttle = createMailThrottle(w.store, w.pseudonym);
  const stack = lifecycleStack({
    issuer: w.config.issuer,
    cookieSecrets: w.config.cookieSecrets,
    csrfCookie: w.csrfCookie,
    users: w.users,
    mail: w.mail,
    links,
    page: createPage(w.render, w.config.issuer),
    throttle,
    revocation: w.revocation,
    endSessions: (sub) => w.holdings.sessions.endOthers(sub, undefined, 'person'),
    notify: w.notify,
    auditor: w.auditor,
    logger: w.logger,
    allowSignup: w.config.allowSignup,
    emailVerificationTtl: w.config.emailVerificationTtl,
    passwordResetRemovesOfflineAccess: w.config.passwordResetRemovesOfflineAccess,
  });
  return { stack, requestEmailChange: emailChange({ mail: w.mail, users: w.users, links, issuer: w.config.issuer }), throttle };
}
