// The admin API, what the `latchkey` CLI talks to. JSON only, under /admin, behind a bearer
// token. Without a configured token the whole surface answers 404, as if it did not exist.
import { Router } from '@koa/router';
import compose from 'koa-compose';
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from 'pino';
import type { AccountHoldings } from '../account/holdings.ts';
import type { Activity } from '../account/activity.ts';
import type { Users } from '../accounts/users.ts';
import { ADMIN_METHODS } from '../audit/events-admin.ts';
import type { AuditEvent } from '../audit/catalogue.ts';
import type { Auditor } from '../audit/context.ts';
import type { AuditTrail } from '../audit/trail.ts';
import { LatchkeyError } from '../errors.ts';
import { isUnder, ROUTES } from '../http/routes.ts';
import type { ApiRegistry } from '../apis/registry.ts';
import type { ClientRegistry } from '../clients/registry.ts';
import type { Keystore } from '../keys/keystore.ts';
import type { KeyManager } from '../keys/manager.ts';
import type { Revocation } from '../provider/revocation.ts';
import { apiRoutes } from './apis.ts';
import type { AdminThrottle } from '../security/admin-throttle.ts';
import { requireBearerToken } from './auth.ts';
import { parseJsonBody } from './body.ts';
import { clientRoutes } from './clients.ts';
import { registrationTokenRoutes } from './registration-tokens.ts';
import { handleErrors, notFound, type ErrorBody } from './errors.ts';
import { keyRoutes } from './keys.ts';
import { auditRoutes } from './audit.ts';
import { adminRecorder } from './audit-events.ts';
import type { Finding } from './doctor.ts';
import { tokenInspector } from './token-inspect.ts';
import { tokenRoutes } from './tokens.ts';
import type Provider from 'oidc-provider';
import { peopleRoutes, type ResetSecondFactors } from './people.ts';
import { userRoutes } from './users.ts';
import { mailRoutes } from './mail.ts';
import type { Mail } from '../mail/index.ts';

const methodNotAllowed = () => new LatchkeyError(405, 'invalid_request', 'method not allowed on this endpoint');

export interface AdminApiDeps {
  /** Undefined disables the admin API. */
  adminToken?: string;
  users: Users;
  /** Support staff's reset of a person's second factors (admin/people.ts). */
  resetSecondFactors?: ResetSecondFactors;
  clients: ClientRegistry;
  apis: ApiRegistry;
  keystore: Keystore;
  keys: KeyManager;
  revocation: Revocation;
  /** What each person holds (apps, sessions), for support staff. */
  people: AccountHoldings;
  /** Each person's security activity, told of what an administrator did. */
  activity: Activity;
  /** Every call is an audit event (who, what, the answer). */
  auditor?: Auditor;
  /** Where refusals are logged with their detail (admin/errors.ts). */
  logger?: Logger;
  /** The trail itself, for /admin/audit. */
  trail?: AuditTrail;
  /** For /admin/doctor: the findings about this deployment. */
  doctor?: () => Promise<Finding[]>;
  /** For /admin/tokens/inspect: the live Provider and the issuer. */
  provider?: () => Provider;
  issuer?: string;
  /** Counts wrong tokens per address (server/security/). */
  throttle?: AdminThrottle;
  /** For /admin/users/invite, /admin/users/verify, /admin/mail/test (mail.ts). */
  mail?: Mail;
  /** DYNAMIC_REGISTRATION: initial access tokens may be issued. */
  registration?: boolean;
}

const isAdminPath = (path: string) => isUnder(path, 'admin');

export function createAdminApi(deps: AdminApiDeps): Middleware {
  const { adminToken } = deps;
  if (adminToken === undefined) {
    return async (ctx: Context, next: Next) => {
      if (!isAdminPath(ctx.path)) return next();
      ctx.status = 404;
      ctx.body = { error: 'not_found', error_description: 'the admin API is disabled on this server' } satisfies ErrorBody;
    };
  }
  // An empty token would be a configuration mistake that locks everyone out (or worse, in
  // another implementation, lets everyone in): refuse to build rather than guess.
  if (adminToken === '') throw new Error('adminToken must not be empty; leave it unset to disable the admin API');

  const router = new Router({ prefix: ROUTES.admin.path });
  const record = adminRecorder(deps.auditor);
  userRoutes(router, deps.users, deps.revocation, deps.activity, record);
  if (deps.mail) mailRoutes(router, deps.users, deps.mail, deps.issuer ?? '', record);
  peopleRoutes(router, deps.users, deps.people, deps.activity, deps.resetSecondFactors);
  clientRoutes(router, deps.clients, deps.apis, deps.revocation, record);
  if (deps.provider && deps.issuer) {
    registrationTokenRoutes(router, { enabled: deps.registration ?? false, provider: deps.provider, endpoint: `${deps.issuer}${ROUTES.registration.path}`, hashId: deps.auditor?.hashId }, record);
  }
  apiRoutes(router, deps.apis);
  keyRoutes(router, deps.keystore, deps.keys, deps.clients);
  if (deps.trail) auditRoutes(router, deps.trail, deps.users);
  const doctor = deps.doctor;
  if (doctor) router.get('/doctor', async (ctx) => void (ctx.body = { issuer: deps.issuer, findings: await doctor() }));
  if (deps.trail && deps.auditor && deps.provider && deps.issuer) {
    const keystore = deps.keystore;
    tokenRoutes(
      router,
      tokenInspector({
        provider: deps.provider,
        users: deps.users,
        issuer: deps.issuer,
        trail: deps.trail,
        hashId: deps.auditor.hashId,
        publishedKeys: async () => ((await keystore.read())?.keys ?? []).map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg })),
      }),
    );
  }

  // After the answer, whatever it was: who called (the admin token, or nobody it accepted), what, and the status.
  const audited = async (ctx: Context, next: Next) => {
    try {
      await next();
    } finally {
      const method = ctx.method as (typeof ADMIN_METHODS)[number];
      if (deps.auditor && ADMIN_METHODS.includes(method)) {
        deps.auditor.record({
          type: 'admin.api_called',
          version: 1,
          ...deps.auditor.envelope(ctx),
          actor: ctx.state.adminAuthenticated ? { kind: 'admin', id: 'admin-token' } : { kind: 'anonymous' },
          method,
          path: ctx.path.slice(0, 512),
          status: ctx.status,
        } as AuditEvent);
      }
    }
  };

  const handle = compose([
    audited,
    handleErrors(deps.logger),
    async (ctx, next) => {
      await next();
      // Checked on the way out so allowedMethods can first answer 405 for a known path.
      if (ctx.status === 404 && ctx.body === undefined) throw notFound('no such admin endpoint');
    },
    async (ctx, next) => {
      // Responses may carry a freshly generated client secret.
      ctx.set('Cache-Control', 'no-store');
      await next();
    },
    // Authentication comes before body parsing: unauthenticated bodies are never read.
    requireBearerToken(adminToken, deps.throttle),
    parseJsonBody(),
    router.routes() as Middleware,
    router.allowedMethods({ throw: true, notImplemented: methodNotAllowed, methodNotAllowed }) as Middleware,
  ]);

  return async (ctx: Context, next: Next) => (isAdminPath(ctx.path) ? handle(ctx, async () => {}) : next());
}
