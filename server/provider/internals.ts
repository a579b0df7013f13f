// Every place Latchkey depends on oidc-provider behaviour its documentation does not promise.
// Nothing else in server/ reaches into the library's private state, its source or its error
// texts: a reader (or an upgrade) finds all of it here. Each entry says what it relies on, the
// library file it was read from, and why Latchkey needs it; test/provider/internals.test.ts
// checks each one against the installed version and fails loudly when an upgrade changes any.
//
// package.json pins oidc-provider to this minor version.
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors, interactionPolicy, type Adapter, type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider';

export const CHECKED_AGAINST = '9.13.3';

type Client = NonNullable<Awaited<ReturnType<Provider['Client']['find']>>>;

// ---------------------------------------------------------------------------------------------
// 1. Client lookups (lib/models/client.js, static find): for a client from the adapter, find()
// hashes the metadata's JSON on every call to find the Client built from it before. Token,
// introspection and userinfo requests look up one or two clients each, and the client registry
// already hands out the very same metadata object while its cache entry lives. So find is
// replaced by one that keeps the Client built from that object beside it: a lookup meanwhile is
// one WeakMap hit. A new object (the entry expired or was invalidated) goes through the
// library's own find: validation and staleness stay exactly the registry's.

/** staticIds: the clients of the `clients` option, which find answers from memory. */
export function reuseClientInstances(provider: Provider, adapter: Adapter, staticIds: ReadonlySet<string>): void {
  const Client = provider.Client;
  const find = Client.find.bind(Client);
  const built = new WeakMap<object, Client>();
  Client.find = async (id: string) => {
    // Static clients take precedence in oidc-provider and never touch the adapter: nor here.
    const metadata = typeof id === 'string' && id && !staticIds.has(id) ? await adapter.find(id) : undefined;
    if (!metadata) return find(id);
    let client = built.get(metadata);
    if (!client) {
      client = await find(id);
      if (client) built.set(metadata, client);
    }
    return client;
  };
}

// ---------------------------------------------------------------------------------------------
// 2. The xsrf secret of the logout and device pages (lib/shared/xsrf.js): the hooks that draw
// those pages get a ready-made <form> whose hidden `xsrf` field holds ctx.oidc.session.state
// .secret, and the POST is checked against it. Latchkey's templates draw their own form, so the
// secret is read from where the library put it.

export function xsrfSecret(ctx: KoaContextWithOIDC): string {
  return (ctx.oidc.session?.state as { secret?: string } | undefined)?.secret ?? '';
}

// ---------------------------------------------------------------------------------------------
// 3. Reading the token request body ahead of oidc-provider (lib/shared/selective_body.js): the
// library reads ctx.req itself while it is readable, with a 56 KiB limit; once another
// middleware has read the stream, it falls back to ctx.request.body with a warning and without
// its limit. The refresh grace window must see the body first, so it hands the library a fresh
// stream of the same bytes: the library then parses and limits it as always.

export const PROVIDER_BODY_LIMIT = 56 * 1024;

export function handBodyToProvider(ctx: Context, raw: Buffer): void {
  const original = ctx.req;
  const replay = Object.assign(new PassThrough(), {
    headers: original.headers,
    rawHeaders: original.rawHeaders,
    method: original.method,
    url: original.url,
    httpVersion: original.httpVersion,
    httpVersionMajor: original.httpVersionMajor,
    httpVersionMinor: original.httpVersionMinor,
    socket: original.socket,
    connection: original.socket,
    complete: true,
  }) as unknown as IncomingMessage;
  (replay as unknown as PassThrough).end(raw);
  ctx.req = replay;
  ctx.request.req = replay;
  ctx.response.req = replay;
}

// ---------------------------------------------------------------------------------------------
// 4. Refresh token reuse (lib/actions/grants/refresh_token.js): when the token it finds carries
// `consumed`, the library revokes the whole grant; when it finds it unconsumed and then
// consume() throws (a concurrent request consumed it first), it answers invalid_grant and revokes
// nothing. The refresh grace window relies on both: it hides a consumption younger than the window
// from an eligible request, so losing the race never revokes the grant.

export function hideConsumption(adapter: Adapter, hide: (id: string, payload: AdapterPayload) => boolean): Adapter {
  return {
    upsert: (id, payload, expiresIn) => adapter.upsert(id, payload, expiresIn),
    async find(id) {
      const payload = await adapter.find(id);
      return payload?.consumed && hide(id, payload) ? ({ ...payload, consumed: undefined } as AdapterPayload) : payload;
    },
    findByUid: (uid) => adapter.findByUid(uid),
    findByUserCode: (userCode) => adapter.findByUserCode(userCode),
    consume: (id) => adapter.consume(id),
    destroy: (id) => adapter.destroy(id),
    revokeByGrantId: (grantId) => adapter.revokeByGrantId(grantId),
  };
}

// ---------------------------------------------------------------------------------------------
// 5. A fault of the device pages (lib/models/session.js, persist): when /device fails for a
// browser with no stored session, the error handler touches the brand-new session and saving it
// throws this TypeError, turning a 400 into a 500. Recognised by its text, the only mark it has.

export function isUnsavedSessionFault(error: unknown): boolean {
  return error instanceof TypeError && error.message.startsWith('persist can only be called on previously persisted');
}

// ---------------------------------------------------------------------------------------------
// 6. What a client hears when a code or token was consumed under its feet (the store decides
// atomically, after the library's own check passed): the same errors and descriptions the library
// gives when it finds `consumed` already set (lib/helpers/grant_source.js, consumeGrantSource) or
// a pushed request reused (lib/actions/authorization/respond.js).

const CONSUMED_LABEL: Record<string, string> = {
  AuthorizationCode: 'authorization code',
  RefreshToken: 'refresh token',
  DeviceCode: 'device code',
  BackchannelAuthenticationRequest: 'backchannel authentication request',
  PreAuthorizedCode: 'pre-authorized code',
};

export function alreadyConsumed(model: string): Error {
  const label = CONSUMED_LABEL[model];
  if (label) return new errors.InvalidGrant(`${label} already consumed`);
  if (model === 'PushedAuthorizationRequest') return new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
  return new errors.InvalidRequest(`${model} is invalid, expired, or was already used`);
}

// ---------------------------------------------------------------------------------------------
// 7. The device code a poll named, and ending a device authorization (lib/actions/grants/
// device_code.js, lib/actions/code_verification.js): the token endpoint reads the poll's code from
// ctx.oidc.params.device_code; a DeviceCode whose `error` is set answers every later poll with that
// error and refuses its user code on the verification page (code_verification.js sets
// error/errorDescription and saves the code the same way when the person presses Cancel). The
// device polling throttle (security/device-polling.ts) slows a device down by the code it polled
// with, and ends the authorization of a device that will not slow down.

export function polledDeviceCode(ctx: Context): string | undefined {
  const code = (ctx as unknown as Partial<KoaContextWithOIDC>).oidc?.params?.device_code;
  return typeof code === 'string' ? code : undefined;
}

export async function endDeviceAuthorization(provider: Provider, deviceCode: string, error: string, description: string): Promise<void> {
  const code = await provider.DeviceCode.find(deviceCode, { ignoreExpiration: true });
  if (!code || code.consumed) return;
  Object.assign(code, { error, errorDescription: description });
  await code.save();
}

// ---------------------------------------------------------------------------------------------
// 8. A person's browser sessions, and ending one the way RP-initiated logout does
// (lib/models/session.js, lib/actions/end_session.js). Session.get(ctx) reads the session the
// browser's session cookie names (a new, unsaved one when there is none). A stored session lists,
// per client signed in through it, `authorizations[clientId]` = { sid, grantId, persistsLogout };
// end_session sends every such client that registered a backchannel_logout_uri a logout token
// (client.backchannelLogout(accountId, sid)), revokes the grants that do not persist logout (those
// without offline access), and destroys the session. The account console ends sessions the same
// way (account/sessions.ts), on any instance, for any of the person's browsers.

export interface BrowserSession {
  /** The stored id (the cookie's value): never shown, never logged. */
  id: string;
  uid: string;
  accountId?: string;
  /** Epoch seconds of the last sign-in. */
  loginTs?: number;
  authorizations: Record<string, SessionAuthorization>;
}

export interface SessionAuthorization {
  sid?: string;
  grantId?: string;
  persistsLogout?: boolean;
}

export async function browserSession(provider: Provider, ctx: Context): Promise<BrowserSession> {
  const session = await provider.Session.get(ctx as never);
  const s = session as unknown as { jti: string; uid: string; accountId?: string; loginTs?: number; authorizations?: Record<string, SessionAuthorization> };
  return { id: s.jti, uid: s.uid, accountId: s.accountId, loginTs: s.loginTs, authorizations: s.authorizations ?? {} };
}

/** The authorizations a stored Session payload lists. */
export function sessionAuthorizations(payload: AdapterPayload): Record<string, SessionAuthorization> {
  return (payload.authorizations as Record<string, SessionAuthorization> | undefined) ?? {};
}

/** Sends the client's back-channel logout for that sid, when it registered a URI; false if not. */
export async function backchannelLogout(provider: Provider, clientId: string, accountId: string, sid: string | undefined): Promise<boolean> {
  const client = await provider.Client.find(clientId);
  const uri = (client as unknown as { backchannelLogoutUri?: string } | undefined)?.backchannelLogoutUri;
  if (!client || !uri) return false;
  await (client as unknown as { backchannelLogout(sub: string, sid?: string): Promise<void> }).backchannelLogout(accountId, sid);
  return true;
}

// 9. Outgoing requests to private networks (lib/helpers/fetch_request.js): oidc-provider passes
// its documented `fetch` option an undici dispatcher (options.dispatcher) that destroys any
// connection to a special-use address (loopback, RFC 1918, link-local: SSRF protection). A
// deployment whose apps live on a private network (back-channel logout to an internal service)
// opts out with OUTBOUND_PRIVATE_NETWORKS=allow: fetch without that dispatcher.
export function fetchWithoutAddressChecks(url: string | URL | Request, options?: RequestInit): Promise<Response> {
  const { dispatcher: _ignored, ...rest } = (options ?? {}) as RequestInit & { dispatcher?: unknown };
  return globalThis.fetch(url, rest);
}

// 10. offline_access and prompt=consent (lib/actions/authorization/scopes.js, checkScope): the
// library removes offline_access from the scope of an authorization request whose prompt lacks
// `consent`. And the consent prompt being requestable (lib/helpers/interaction_policy/prompt.js),
// its first check, reason `consent_prompt`, asks for consent whenever prompt=consent was sent and
// consent is still pending. offline-access.ts adds `consent` to the prompt of a plain request for
// offline_access so the scope is kept, marking it with `marker` (an extraParams parameter); this
// replaces that check with one that lets a consent only Latchkey added force nothing, leaving
// the other consent checks (a scope missing from the grant) to decide.
export function consentAddedIsNotForced(policy: ReturnType<typeof interactionPolicy.base>, marker: string): void {
  const consent = policy.get('consent')!;
  const forced = consent.checks.get('consent_prompt');
  if (!forced) throw new Error('oidc-provider: the consent prompt has no consent_prompt check (internals entry 10)');
  consent.checks.remove('consent_prompt');
  consent.checks.add(
    new interactionPolicy.Check(forced.reason, forced.description, forced.error!, (ctx: KoaContextWithOIDC) =>
      ctx.oidc.params?.[marker] === '1' ? interactionPolicy.Check.NO_NEED_TO_PROMPT : forced.check(ctx),
    ),
    0,
  );
}

// 12. Refresh token reuse, as the token endpoint reports it (lib/actions/grants/refresh_token.js):
// a consumed refresh token presented again destroys it, revokes its grant and throws InvalidGrant
// with the detail 'refresh token already used' (error_detail; the description stays the generic
// 'grant request is invalid'). The audit trail tells a reuse from any other invalid_grant by it.
export function isRefreshTokenReuse(error: unknown): boolean {
  return error instanceof errors.InvalidGrant && (error as { error_detail?: string }).error_detail === 'refresh token already used';
}

// ---------------------------------------------------------------------------------------------
// 11. How the library presents an error thrown inside it (lib/shared/error_handler.js,
// lib/shared/authorization_error_handler.js, lib/helpers/err_out.js): the response status is the
// error's `statusCode`; an error with `expose` set is shown as { error: err.message,
// error_description: err.error_description } (JSON, or renderError for a browser), and emits no
// 'server_error'; anything else becomes a 500 "server_error". The store's StoreUnavailableError
// (server/errors.ts) is shaped so: a Redis outage met inside oidc-provider (a client or token
// lookup) answers 503 temporarily_unavailable, like everywhere else, and provider/mount.ts adds
// the Retry-After the library does not know of. Nothing to call here: the shape is the contract.
export const PRESENTED_ERROR_FIELDS = ['statusCode', 'expose', 'message', 'error_description'] as const;

// ---------------------------------------------------------------------------------------------
// 13. Initial access tokens (lib/models/initial_access_token.js, lib/models/base_token.js,
// lib/actions/registration.js). The documented way to issue one is
// `new provider.InitialAccessToken({ policies }).save()`, which resolves to the token's value;
// the constructor also takes `expiresIn` (seconds), which the library keeps as the token's
// lifetime instead of ttl.InitialAccessToken: each token `latchkey clients registration-token`
// issues has its own. During a registration the token presented is the request's
// ctx.oidc.entities.InitialAccessToken (its `jti` is the token's value, which the store keeps only
// as an HMAC: provider/records.ts); the library never consumes it, so a single-use token is
// consumed by Latchkey's registration policy, through the model's adapter, atomically.

export async function issueInitialAccessToken(provider: Provider, options: { expiresIn: number; policies: string[] }): Promise<{ token: string; expiresAt: number }> {
  const iat = new provider.InitialAccessToken({ expiresIn: options.expiresIn, policies: options.policies } as never);
  const token = await iat.save();
  return { token, expiresAt: (iat.exp ?? Math.floor(Date.now() / 1000) + options.expiresIn) * 1000 };
}

/** The initial access token of a registration request (undefined on RFC 7592 updates). */
export function presentedInitialAccessToken(ctx: KoaContextWithOIDC): { jti: string; policies?: string[] } | undefined {
  const iat = (ctx.oidc.entities as { InitialAccessToken?: { jti: string; policies?: string[] } }).InitialAccessToken;
  return iat ? { jti: iat.jti, policies: iat.policies } : undefined;
}
