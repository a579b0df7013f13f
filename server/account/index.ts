// The account console: a person sees every app, browser session and recent event of their
// account and takes any of it back, effective at once everywhere. Its pages and its JSON API
// (routes.ts, api.ts), served on /account by the app's `account` stack.
import type { Middleware } from 'koa';
import compose from 'koa-compose';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Users } from '../accounts/users.ts';
import { LatchkeyError } from '../errors.ts';
import { csrfToken } from '../http/csrf.ts';
import { isUnder } from '../http/routes.ts';
import type { Page } from '../interactions/page.ts';
import type { ProtectedRecords } from '../provider/records.ts';
import type { Revocation } from '../provider/revocation.ts';
import type { Activity, NoteActivity } from './activity.ts';
import { consoleApi } from './api.ts';
import { connectedApps, type ApiNames } from './apps.ts';
import type { ConsoleAuth } from './console-auth.ts';
import { consolePages } from './routes.ts';
import type { SessionInfos } from './session-info.ts';
import { browserSessions } from './sessions.ts';
import type { Usage } from './usage.ts';

export interface AccountConsoleDeps {
  auth: ConsoleAuth;
  provider: () => Provider;
  records: ProtectedRecords;
  users: Users;
  revocation: Revocation;
  usage: Usage;
  infos: SessionInfos;
  activity: Activity;
  note: NoteActivity;
  apis: ApiNames;
  page: Page;
  logger: Logger;
  cookieSecrets: string[];
  csrfCookie: string;
}

const methodNotAllowed = () => new LatchkeyError(405, 'invalid_request', 'This address does not accept that method.');

export function accountConsole(deps: AccountConsoleDeps): Middleware {
  const apps = connectedApps(deps.provider, deps.records, deps.usage, deps.apis);
  const sessions = browserSessions(deps.provider, deps.records, deps.infos, deps.revocation, deps.logger);
  const shared = { ...deps, apps, sessions };
  const pages = consolePages(shared);
  const api = consoleApi(shared);
  const apiStack = compose([api.routes() as Middleware, api.allowedMethods({ throw: true, notImplemented: methodNotAllowed, methodNotAllowed }) as Middleware]);
  const pageStack = compose([pages.routes() as Middleware, pages.allowedMethods({ throw: true, notImplemented: methodNotAllowed, methodNotAllowed }) as Middleware]);
  const csrf = csrfToken(deps.cookieSecrets, deps.csrfCookie);
  return (ctx, next) => csrf(ctx, () => (isUnder(ctx.path, 'accountApi') ? apiStack(ctx, next) : pageStack(ctx, next)));
}

export { consoleClient, CONSOLE_CLIENT_ID } from './console-client.ts';
export type { Activity, NoteActivity } from './activity.ts';
