// The account console: a person sees every app, browser session and recent event of their
// account and takes any of it back, effective at once everywhere. Its pages and its JSON API
// (routes.ts, api.ts), served on /account by the app's `account` stack.
import type { Middleware } from 'koa';
import compose from 'koa-compose';
import type Provider from 'oidc-provider';
import type { Users } from '../accounts/users.ts';
import type { Factors } from '../mfa/factors.ts';
import type { Passkeys } from '../mfa/passkeys.ts';
import { LatchkeyError } from '../errors.ts';
import { csrfToken } from '../http/csrf.ts';
import { isUnder } from '../http/routes.ts';
import type { Page } from '../interactions/page.ts';
import type { Revocation } from '../provider/revocation.ts';
import type { Auditor } from '../audit/context.ts';
import type { DeviceCookies } from '../security/device-cookie.ts';
import type { SignInThrottle } from '../security/sign-in-throttle.ts';
import type { RiskEngine } from '../risk/engine.ts';
import type { Activity, NoteActivity } from './activity.ts';
import { consoleApi } from './api.ts';
import type { ConsoleAuth } from './console-auth.ts';
import type { AccountHoldings } from './holdings.ts';
import { consolePages } from './routes.ts';
import type { ConsoleMail } from './email-settings.ts';

export interface AccountConsoleDeps {
  auth: ConsoleAuth;
  provider: () => Provider;
  users: Users;
  factors: Factors;
  passkeys: Passkeys;
  revocation: Revocation;
  holdings: AccountHoldings;
  activity: Activity;
  note: NoteActivity;
  page: Page;
  signInThrottle: SignInThrottle;
  devices: DeviceCookies;
  auditor?: Auditor;
  cookieSecrets: string[];
  csrfCookie: string;
  /** Email address, notification settings and security notices (email-settings.ts), when mail can be sent. */
  mail?: ConsoleMail;
  /** Told the person's "this was me / this wasn't me" on a sign-in (undefined with RISK=false). */
  risk?: RiskEngine;
}

const methodNotAllowed = () => new LatchkeyError(405, 'invalid_request', 'This address does not accept that method.');

export function accountConsole(deps: AccountConsoleDeps): Middleware {
  const shared = { ...deps, apps: deps.holdings.apps, sessions: deps.holdings.sessions };
  const pages = consolePages(shared);
  const api = consoleApi(shared);
  const apiStack = compose([api.routes() as Middleware, api.allowedMethods({ throw: true, notImplemented: methodNotAllowed, methodNotAllowed }) as Middleware]);
  const pageStack = compose([pages.routes() as Middleware, pages.allowedMethods({ throw: true, notImplemented: methodNotAllowed, methodNotAllowed }) as Middleware]);
  const csrf = csrfToken(deps.cookieSecrets, deps.csrfCookie);
  return (ctx, next) => csrf(ctx, () => (isUnder(ctx.path, 'accountApi') ? apiStack(ctx, next) : pageStack(ctx, next)));
}

export { consoleClient, CONSOLE_CLIENT_ID } from './console-client.ts';
export { accountHoldings, type AccountHoldings } from './holdings.ts';
export type { Activity, NoteActivity } from './activity.ts';
