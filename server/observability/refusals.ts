// The operator's side of a refused request. What a person or a client is told (an error page, an
// OAuth error) says what happened in plain words and what to do next, and never the deployment's
// configuration: which redirect URIs or APIs a client has registered, internal hostnames, Redis
// addresses, stack traces. Those go here instead: one log line per refused request, under the
// request id the page and the response show (X-Request-Id), so support can look up exactly what
// went wrong from what a person quotes; and, for what a browser brought, a `request.refused`
// audit event under the same request id.
//
// Never logged: codes, tokens, secrets, assertions, cookies. Only the parameters that say what
// was asked for (the client, the redirect URI, the scopes, the resource, the grant type), cut
// short, and the library's own explanation.
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import type { AuditEvent } from '../audit/catalogue.ts';
import type { Auditor, RequestLike } from '../audit/context.ts';
import { FRONT_CHANNEL_ROUTES } from '../audit/events-refusals.ts';

/** oidc-provider's error events (docs/events.md of the library), one per endpoint. */
export const PROVIDER_ERROR_EVENTS = [
  'authorization.error',
  'backchannel_authentication.error',
  'code_verification.error',
  'device_authorization.error',
  'device_resume.error',
  'discovery.error',
  'end_session.error',
  'end_session_confirm.error',
  'end_session_success.error',
  'grant.error',
  'introspection.error',
  'jwks.error',
  'pushed_authorization_request.error',
  'registration_create.error',
  'registration_delete.error',
  'registration_read.error',
  'registration_update.error',
  'revocation.error',
  'userinfo.error',
] as const;

/** Answers the protocol gives in its ordinary course, not refusals of a wrong request: a device
 * polling before the person has confirmed, a silent sign-in check (prompt=none) of an app whose
 * person is signed out. At debug in the log, and not audited: a polling device alone would be a
 * line every five seconds. */
const ROUTINE = new Set(['authorization_pending', 'slow_down', 'login_required', 'consent_required', 'interaction_required', 'account_selection_required']);

/** The request parameters that say what was asked for; none is a credential. */
const ASKED = ['client_id', 'redirect_uri', 'post_logout_redirect_uri', 'response_type', 'response_mode', 'scope', 'resource', 'grant_type', 'prompt'] as const;

const cut = (value: unknown, max = 512): string | undefined => (typeof value === 'string' && value ? value.slice(0, max) : undefined);

interface RefusedError {
  message?: unknown;
  cause?: unknown;
  error?: unknown;
  error_description?: unknown;
  error_detail?: unknown;
  statusCode?: unknown;
}

interface ClientFacts {
  clientId?: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  allowed_resources?: Record<string, string>;
}

/** What the operator needs to know of one refusal: pure, for the tests. */
export function refusalFacts(route: string | undefined, err: RefusedError, params: Record<string, unknown> | undefined, client: ClientFacts | undefined) {
  const code = cut(err.error) ?? cut(err.message, 128);
  const asked: Record<string, string> = {};
  for (const name of ASKED) {
    const value = cut(params?.[name]);
    if (value !== undefined) asked[name] = value;
  }
  return {
    event: 'request.refused',
    route,
    status: typeof err.statusCode === 'number' ? err.statusCode : undefined,
    error: code,
    description: cut(err.error_description),
    detail: cut(err.error_detail),
    // Why, when something else failed underneath (the store: its address, say).
    ...(err.cause instanceof Error ? { cause: cut(err.cause.message, 300) } : {}),
    ...(client?.clientId ? { client: client.clientId } : {}),
    asked,
    // What the client has registered, when that is what the request did not match: the page
    // only says that it did not.
    ...(client && asked.post_logout_redirect_uri && route?.startsWith('end_session') ? { registered: client.postLogoutRedirectUris ?? [] } : {}),
    ...(client && code === 'invalid_redirect_uri' && !route?.startsWith('end_session') ? { registered: client.redirectUris } : {}),
    ...(client && code === 'invalid_target' ? { allowedResources: Object.keys(client.allowed_resources ?? {}) } : {}),
  };
}

function readRefusal(ctx: KoaContextWithOIDC, err: unknown) {
  const oidc = ctx.oidc as Partial<KoaContextWithOIDC['oidc']> | undefined;
  // An error before the parameters were assembled still has the query or the form.
  const params = (oidc?.params ?? (ctx.method === 'POST' ? oidc?.body : ctx.query)) as Record<string, unknown> | undefined;
  return refusalFacts(oidc?.route, (err ?? {}) as RefusedError, params, oidc?.client as ClientFacts | undefined);
}

/** One `request refused` line (info) per OAuth error oidc-provider answers; routine answers and
 * the store being away (logged once per outage, store-outage.ts) only at debug. */
export function logProviderRefusals(provider: Provider, logger: Logger): void {
  for (const name of PROVIDER_ERROR_EVENTS) {
    provider.on(name as 'grant.error', (ctx: KoaContextWithOIDC, err: unknown) => {
      const facts = readRefusal(ctx, err);
      const quiet = facts.error === 'temporarily_unavailable' || ROUTINE.has(facts.error ?? '');
      logger[quiet ? 'debug' : 'info']({ requestId: ctx.state?.requestId, ...facts }, 'request refused');
    });
  }
}

/** A `request.refused` audit event per refusal of a request a browser brought (events-refusals.ts). */
export function auditProviderRefusals(provider: Provider, { record, envelope }: Pick<Auditor, 'record' | 'envelope'>): void {
  for (const route of FRONT_CHANNEL_ROUTES) {
    provider.on(`${route}.error` as 'grant.error', (ctx: KoaContextWithOIDC, err: unknown) => {
      const facts = readRefusal(ctx, err);
      if (!facts.error || !/^[a-z_]+$/.test(facts.error) || facts.error === 'temporarily_unavailable' || ROUTINE.has(facts.error)) return;
      const redirectUri = facts.asked.redirect_uri ?? facts.asked.post_logout_redirect_uri;
      record({
        type: 'request.refused',
        version: 1,
        ...envelope(ctx as unknown as RequestLike),
        actor: facts.client ? { kind: 'client', clientId: facts.client } : { kind: 'anonymous' },
        route,
        ...(facts.client ? { client: facts.client } : {}),
        error: facts.error.slice(0, 64),
        ...(facts.description ? { description: facts.description } : {}),
        ...(facts.detail ? { detail: facts.detail } : {}),
        ...(redirectUri ? { redirectUri } : {}),
        ...(facts.asked.resource ? { resource: facts.asked.resource } : {}),
      } as AuditEvent);
    });
  }
}
