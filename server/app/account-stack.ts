// The account console wired for the app: its relying-party side talks to this very app in
// process (account/self-client.ts), so it needs the app's request handler, made once.
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../../config/index.ts';
import type { Activity, NoteActivity } from '../account/activity.ts';
import { consoleAuth } from '../account/console-auth.ts';
import { CONSOLE_CLIENT_ID } from '../account/console-client.ts';
import { accountConsole } from '../account/index.ts';
import { selfClient, type Handler } from '../account/self-client.ts';
import type { AccountHoldings } from '../account/holdings.ts';
import type { Users } from '../accounts/users.ts';
import type { Factors } from '../mfa/factors.ts';
import type { Passkeys } from '../mfa/passkeys.ts';
import type { Render } from '../http/render.ts';
import { createPage } from '../interactions/page.ts';
import type { Revocation } from '../provider/revocation.ts';
import type { Security } from '../security/index.ts';
import type { Auditor } from '../audit/context.ts';
import type { ConsoleMail } from '../account/email-settings.ts';
import type { RiskEngine } from '../risk/engine.ts';

export interface AccountDeps {
  holdings: AccountHoldings;
  activity: Activity;
  note: NoteActivity;
  /** The console client's secret (account/console-client.ts). */
  consoleSecret: string;
  auditor?: Auditor;
  /** Where the owner's "this was me / this wasn't me" goes (undefined with RISK=false). */
  risk?: RiskEngine;
}

export function accountStack(
  app: Koa,
  deps: AccountDeps & { config: Config; provider: () => Provider; users: Users; factors: Factors; passkeys: Passkeys; revocation: Revocation; render: Render; security: Pick<Security, 'signInThrottle' | 'devices'>; csrfCookie: string; mail?: ConsoleMail },
): Middleware {
  const { config } = deps;
  const https = config.issuer.startsWith('https://');
  let handler: Handler | undefined;
  const self = selfClient(config.issuer, CONSOLE_CLIENT_ID, deps.consoleSecret, () => (handler ??= app.callback()));
  return accountConsole({
    ...deps,
    auth: consoleAuth({ issuer: config.issuer, provider: deps.provider, users: deps.users, self, https }),
    page: createPage(deps.render, config.issuer),
    signInThrottle: deps.security.signInThrottle,
    devices: deps.security.devices,
    cookieSecrets: config.cookieSecrets,
  });
}
