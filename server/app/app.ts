// createApp(deps): Latchkey's Koa application. Middleware order matters: every response gets a
// request id and security headers; errors from anything below become pages or JSON; health
// answers for any Host, everything else only for the issuer's; then the first path segment picks
// the stack: static assets, the admin API, the interaction pages, or oidc-provider (with what a
// few of its paths need first). The route table (http/routes.ts) names the stack of each path.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Koa, { type Context, type Middleware } from 'koa';
import compose from 'koa-compose';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.ts';
import type { Users } from '../accounts/users.ts';
import { createAdminApi } from '../admin/index.ts';
import type { ApiRegistry } from '../apis/registry.ts';
import type { ClientRegistry } from '../clients/registry.ts';
import { byPath } from '../http/by-path.ts';
import { cookieNames } from '../http/cookie-names.ts';
import { csrfToken } from '../http/csrf.ts';
import { LatchkeyError } from '../errors.ts';
import { errorHandler } from '../http/errors.ts';
import { hostCheck } from '../http/host-check.ts';
import { health } from '../http/health.ts';
import { createRenderer, viewsDir } from '../http/render.ts';
import { requestContext } from '../http/request-context.ts';
import { isApiPath, ROUTES } from '../http/routes.ts';
import { securityHeaders } from '../http/security-headers.ts';
import { staticFiles } from '../http/static-files.ts';
import { interactionRoutes, type InteractionNotice } from '../interactions/routes.ts';
import { riskChecks } from '../interactions/risk-check.ts';
import type { GeoLookup } from '../geo/lookup.ts';
import type { RiskEngine } from '../risk/engine.ts';
import { signInText } from '../account/activity.ts';
import type { Keystore } from '../keys/keystore.ts';
import type { KeyManager } from '../keys/manager.ts';
import { deviceSessionRecovery } from '../provider/device-session.ts';
import { dpopFreshness } from '../provider/dpop-freshness.ts';
import { mountProvider } from '../provider/mount.ts';
import { refreshGrace } from '../provider/refresh-grace.ts';
import type { Revocation } from '../provider/revocation.ts';
import { createSecurity } from '../security/index.ts';
import { accountStack, type AccountDeps } from './account-stack.ts';
import { lifecycle } from './lifecycle-stack.ts';
import type { Mail } from '../mail/index.ts';
import { NOTICES, type Notify, type Preferences } from '../lifecycle/index.ts';
import type { Auditor } from '../audit/context.ts';
import type { AuditTrail } from '../audit/trail.ts';
import type { Metrics } from '../observability/metrics.ts';
import { metricsEndpoint } from './metrics-endpoint.ts';
import { assess } from '../admin/doctor.ts';
import { gatherFacts } from '../admin/doctor-facts.ts';
import { interactionAudit } from '../interactions/audit.ts';
import type { Store } from '../store/types.ts';
import type { Factors } from '../mfa/factors.ts';
import { secondFactorStack } from './second-factor-stack.ts';

const NOTICE_LIST = Object.entries(NOTICES).map(([kind, n]) => ({ kind, label: n.label, optional: n.optional }));
const methodNotAllowed = () => new LatchkeyError(405, 'invalid_request', 'This page does not accept that method.');

export interface AppDeps {
  config: Config;
  logger: Logger;
  store: Store;
  users: Users;
  factors: Factors;
  clients: ClientRegistry;
  apis: ApiRegistry;
  keystore: Keystore;
  provider: () => Provider;
  /** True while the current Provider holds signing keys. */
  keysLoaded: () => boolean;
  keys: KeyManager;
  revocation: Revocation;
  /** What the account console needs beside the above. */
  account: AccountDeps;
  /** Where audit events go (audit/trail.ts through build.ts), and the trail to search. */
  auditor: Auditor;
  audit: AuditTrail;
  metrics: Metrics;
  /** Outgoing mail and the security notices sent by it (server/mail/, server/lifecycle/). */
  mail: Mail;
  notify: Notify;
  mailPreferences: Preferences;
  /** The risk model (undefined with RISK=false) and the places of addresses it scores by. */
  risk: { engine?: RiskEngine; geo: () => GeoLookup | undefined };
}

export interface Apps {
  /** The public origin: pages, oidc-provider, health, and the admin API unless ADMIN_LISTEN. */
  app: Koa;
  /** The admin API on its own address, when ADMIN_LISTEN asks for one. */
  adminApp?: Koa;
}

export function createApp({ config, logger, store, users, factors, clients, apis, keystore, keys, provider, keysLoaded, revocation, account, auditor, audit, metrics, risk, mail, notify, mailPreferences }: AppDeps): Apps {
  // build() gives this app the Provider's cookie keys (app.keys): mounted, the Provider reads and
  // writes cookies through this app's context, and signs them only when this app has keys.
  // The client's address is the X-Forwarded-For entry the trusted proxies appended (Koa keeps
  // the rightmost maxIpsCount entries and takes the first of those), never the leftmost one,
  // which the client writes itself.
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: config.trustProxyHops });
  const security = createSecurity(store, { cookieSecrets: config.cookieSecrets, devicePollInterval: config.devicePollInterval, deviceCodeTtl: config.ttl.deviceCode, provider });
  const adminApi = createAdminApi({ adminToken: config.adminToken, users, clients, apis, keystore, keys, revocation, people: account.holdings, activity: account.activity, auditor, logger,
    trail: audit,
    provider,
    issuer: config.issuer,
    doctor: async () =>
      assess(await gatherFacts({ production: config.env === 'production', issuer: config.issuer, adminToken: config.adminToken, rotationSchedule: config.keys.rotationSchedule, store, keystore, clients })),
    throttle: security.adminThrottle,
    registration: config.dynamicRegistration,
    // Support staff's "lost every factor" (admin/people.ts), recorded in the trail.
    resetSecondFactors: async (sub, ctx) => {
      const reset = await passkeys.reset(sub);
      if (reset) auditor.record({ type: 'mfa.reset', version: 1, ...auditor.envelope(ctx), actor: { kind: 'admin', id: 'admin-token' }, account: sub });
      return reset;
    },
    mail,
  });
  const render = createRenderer();
  const cookies = cookieNames(config.issuer.startsWith('https://'));
  const notice: InteractionNotice = (ctx, sub, { kind, app, risk: verdict, via }) =>
    account.note(ctx, sub, { kind, text: signInText(kind, app, verdict, via), app, ...(verdict ? { risk: { key: verdict.key, decision: verdict.decision, score: verdict.score, reasons: verdict.reasons } } : {}) });
  const signInAudit = interactionAudit(auditor);
  // The second step of a sign-in and passkeys (second-factor-stack.ts).
  const { secondFactor, passkeys, passkeyPages, emailCheck } = secondFactorStack({ config, logger, store, users, factors, provider, render, security, csrfCookie: cookies.csrf, signInAudit, notice, mail, geo: risk.geo });
  const interactions = interactionRoutes({ provider, users, findApi: (identifier) => apis.get(identifier), render, issuer: config.issuer, cookieSecrets: config.cookieSecrets, csrfCookie: cookies.csrf, logger, notice, audit: signInAudit, secondFactor, emailCheck, passkeys: passkeyPages, ...security,
    risk: riskChecks({ engine: risk.engine, geo: risk.geo, pseudonym: security.pseudonym, logger }),
    forgotPasswordPath: mail.enabled ? ROUTES.forgotPassword.path : undefined,
    securityNotice: (ctx, sub, kind, app) => notify(sub, kind, { ctx, app }),
  });

  app.use(requestContext(logger));
  // A token's grant and account come with it in one round trip, for this request only.
  app.use((_ctx, next) => store.readAhead(next));
  app.use(metrics.middleware);
  app.use(securityHeaders(config.issuer.startsWith('https://'), isApiPath));
  app.use(errorHandler(render, config.issuer, logger));
  app.use(
    health(async () => ({
      store: await store.ping().then(() => true, () => false),
      keys: keysLoaded(),
    })),
  );
  app.use(hostCheck(config.issuer, config.env !== 'production'));
  // The interaction pages: the router would answer 501 for paths it never declared, so it sees
  // only its own.
  const pages = compose([
    csrfToken(config.cookieSecrets, cookies.csrf),
    interactions.routes() as Middleware,
    interactions.allowedMethods({ throw: true, notImplemented: methodNotAllowed, methodNotAllowed }) as Middleware,
  ]);
  const life = lifecycle({ config, store, users, mail, notify, holdings: account.holdings, revocation, render, pseudonym: security.pseudonym, csrfCookie: cookies.csrf, auditor, logger });
  const mounted = mountProvider(provider);
  const freshProofs = dpopFreshness();
  const oidc: Middleware = (ctx, next) => freshProofs(ctx, () => mounted(ctx, next));
  // Relying parties cache the JWKS this long; keys are published longer before they sign.
  const jwksCache = `public, max-age=${config.keys.jwksMaxAgeSeconds}`;
  const jwks: Middleware = (ctx, next) => {
    if (ctx.method === 'GET' || ctx.method === 'HEAD') ctx.set('Cache-Control', jwksCache);
    return oidc(ctx, next);
  };
  const grace = config.refreshTokenReuseGrace > 0 ? refreshGrace(config.refreshTokenReuseGrace, provider, store.oidc) : undefined;
  // Every endpoint where a client authenticates counts its failures first, and /reg its bad
  // tokens and registrations (server/security/).
  const guarded = compose([security.clientAuthThrottle, security.registrationThrottle, oidc]);
  app.use(
    byPath(
      {
        static: staticFiles(join(viewsDir, 'static'), { 'simplewebauthn-browser.js': join(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js') }),
        admin: config.adminListen ? elsewhere : adminApi,
        metrics: metricsEndpoint(metrics, config.metricsToken, security.adminThrottle),
        interaction: pages,
        account: accountStack(app, { ...account, config, provider, users, factors, passkeys, revocation, render, security, csrfCookie: cookies.csrf, mail: { enabled: mail.enabled, notify, preferences: mailPreferences, requestEmailChange: life.requestEmailChange, throttle: life.throttle, notices: NOTICE_LIST } }),
        lifecycle: life.stack,
        jwks,
        device: compose([deviceSessionRecovery(), security.userCodeThrottle, security.pollingInterval, guarded]),
        token: compose([security.clientAuthThrottle, security.devicePolling, ...(grace ? [grace] : []), oidc]),
      },
      guarded,
    ),
  );
  // Client errors Node and Koa see outside the middleware (malformed requests) go to the log.
  // A request the client broke (refused by the HTTP parser, gone mid-body) is the client's fault.
  // With the request id when there was a request: the response carries it (X-Request-Id).
  app.on('error', (err: Error & { status?: number; code?: string }, ctx?: Context) => {
    const clientFault = (err.status !== undefined && err.status < 500) || err.code?.startsWith('HPE_') || err.code === 'ECONNRESET';
    logger[clientFault ? 'debug' : 'error']({ err, requestId: ctx?.state?.requestId }, 'request error');
  });
  return { app, adminApp: config.adminListen ? adminOnly(adminApi, config.trustProxy, logger) : undefined };
}

// With ADMIN_LISTEN the public origin knows nothing of the admin API.
const elsewhere: Middleware = async (ctx) => {
  ctx.status = 404;
  ctx.body = { error: 'not_found', error_description: 'the admin API does not answer on this address' };
};

/** The admin API alone, for its own listener: request ids, logs, API headers. */
function adminOnly(adminApi: Middleware, proxy: boolean, logger: Logger): Koa {
  const admin = new Koa({ proxy });
  admin.use(requestContext(logger));
  admin.use(securityHeaders(false, () => true));
  admin.use(adminApi);
  admin.use(async (ctx) => {
    ctx.status = 404;
    ctx.body = { error: 'not_found', error_description: 'this address answers only the admin API (/admin)' };
  });
  admin.on('error', (err: Error, ctx?: Context) => logger.error({ err, requestId: ctx?.state?.requestId }, 'admin request error'));
  return admin;
}
