// oidc-provider's events (docs/events.md of the library), turned into audit events: tokens issued
// and refreshed, refresh token reuse, tokens and grants revoked, sessions started and ended by the
// protocol, back-channel logout. Attached to every Provider built (provider/current.ts onBuild).
// Ids are hashed (ids.ts) before anything leaves this module.
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditEvent } from './catalogue.ts';
import type { Auditor, RequestLike } from './context.ts';
import { isRefreshTokenReuse } from '../provider/internals.ts';

type Entity = { jti?: string; accountId?: string; clientId?: string; scope?: string; exp?: number; iat?: number; expiration?: number; grantId?: string; consumed?: unknown; jkt?: string; 'x5t#S256'?: string };

const scopesOf = (scope: unknown) => (typeof scope === 'string' ? scope.split(' ').filter(Boolean).slice(0, 64) : []);
const clientActor = (clientId: string) => ({ kind: 'client' as const, clientId });

export function auditProviderEvents(provider: Provider, { record, hashId, envelope }: Auditor): void {
  const base = (ctx: KoaContextWithOIDC | undefined) => ({ version: 1 as const, ...envelope(ctx as unknown as RequestLike) });

  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const { entities, params, client } = ctx.oidc;
    if (!client) return;
    const grantType = String(params?.grant_type ?? '');
    const e = entities as Record<string, Entity | undefined>;
    const grant = e.Grant?.jti ? hashId('grant', e.Grant.jti) : undefined;
    const body = ctx.body as { access_token?: unknown } | undefined;
    const format = typeof body?.access_token === 'string' && body.access_token.split('.').length === 3 ? 'jwt' : 'opaque';
    const resource = typeof params?.resource === 'string' ? params.resource.slice(0, 2048) : undefined;
    const issued = (token: Entity, tokenKind: 'access_token' | 'refresh_token' | 'client_credentials', tokenFormat: 'jwt' | 'opaque') => {
      if (!token.jti) return;
      record({
        type: 'token.issued',
        ...base(ctx),
        actor: clientActor(client.clientId),
        ...(token.accountId ? { account: token.accountId } : {}),
        client: client.clientId,
        grantType,
        tokenKind,
        format: tokenFormat,
        scopes: scopesOf(token.scope),
        ...(resource && tokenKind !== 'refresh_token' ? { resource } : {}),
        tokenIdHash: hashId('token', token.jti),
        ...(grant ? { grantIdHash: grant } : {}),
        // exp is computed into the stored payload, not kept on the instance: iat + its lifetime.
        expiresAt: (token.exp ?? (token.iat ?? Math.floor(Date.now() / 1000)) + (token.expiration ?? 0)) * 1000,
        ...(token.jkt ? { boundTo: 'dpop' as const } : token['x5t#S256'] ? { boundTo: 'mtls' as const } : {}),
      } as AuditEvent);
    };
    if (e.ClientCredentials) issued(e.ClientCredentials, 'client_credentials', format);
    if (e.AccessToken) issued(e.AccessToken, 'access_token', format);
    const rotated = e.RotatedRefreshToken;
    if (rotated?.jti && e.RefreshToken?.jti && e.RefreshToken.accountId && grant) {
      record({
        type: 'token.refreshed',
        ...base(ctx),
        actor: clientActor(client.clientId),
        account: e.RefreshToken.accountId,
        client: client.clientId,
        previousTokenIdHash: hashId('token', rotated.jti),
        tokenIdHash: hashId('token', e.RefreshToken.jti),
        grantIdHash: grant,
        scopes: scopesOf(e.RefreshToken.scope),
        replayed: false,
      } as AuditEvent);
    } else if (e.RefreshToken && grantType !== 'refresh_token') {
      issued(e.RefreshToken, 'refresh_token', 'opaque');
    }
  });

  // Reuse detection: a consumed refresh token presented again; oidc-provider has revoked the grant.
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: Error) => {
    const token = (ctx.oidc.entities as Record<string, Entity | undefined>).RefreshToken;
    if (!isRefreshTokenReuse(err) || !token?.jti || !token.accountId || !token.grantId || !ctx.oidc.client) return;
    record({
      type: 'token.refresh_reuse_detected',
      ...base(ctx),
      actor: clientActor(ctx.oidc.client.clientId),
      account: token.accountId,
      client: ctx.oidc.client.clientId,
      tokenIdHash: hashId('token', token.jti),
      grantIdHash: hashId('grant', token.grantId),
      ...(typeof token.consumed === 'number' ? { consumedAt: token.consumed * 1000 } : {}),
      grantRevoked: true,
    } as AuditEvent);
  });

  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    const client = ctx.oidc.client?.clientId;
    if (!client) return;
    const route = ctx.oidc.route;
    const cause = route === 'revocation' ? 'revocation_endpoint' : route === 'token' ? 'refresh_reuse' : route === 'end_session' || route === 'end_session_confirm' ? 'logout' : 'grant_revoked';
    const account = ctx.oidc.session?.accountId ?? (ctx.oidc.entities as Record<string, Entity | undefined>).RefreshToken?.accountId;
    record({ type: 'grant.revoked', ...base(ctx), actor: clientActor(client), ...(account ? { account } : {}), client, grantIdHash: hashId('grant', grantId), cause } as AuditEvent);
  });

  // The revocation endpoint (RFC 7009) destroys the token it is given.
  const destroyed = (tokenKind: 'access_token' | 'refresh_token' | 'client_credentials') => (token: Entity) => {
    const ctx = (provider.constructor as unknown as { ctx?: KoaContextWithOIDC }).ctx;
    if (!token.jti || !token.clientId) return;
    const cause = ctx?.oidc?.route === 'revocation' ? 'revocation_endpoint' : ctx?.oidc?.route === 'token' ? 'refresh_reuse' : 'grant_revoked';
    record({
      type: 'token.revoked',
      ...base(ctx),
      actor: clientActor(ctx?.oidc?.client?.clientId ?? token.clientId),
      ...(token.accountId ? { account: token.accountId } : {}),
      client: token.clientId,
      tokenKind,
      tokenIdHash: hashId('token', token.jti),
      cause,
    } as AuditEvent);
  };
  provider.on('access_token.destroyed', destroyed('access_token'));
  provider.on('refresh_token.destroyed', destroyed('refresh_token'));
  provider.on('client_credentials.destroyed', destroyed('client_credentials'));

  // A sign-in finished: the browser session now belongs to the account.
  provider.on('interaction.ended', (ctx: KoaContextWithOIDC) => {
    const login = ctx.oidc.result?.login as { accountId?: string } | undefined;
    const session = ctx.oidc.session;
    // The result carries the login through every later prompt (consent): count it once, when
    // the prompt that ended was the login.
    const prompt = (ctx.oidc.entities as { Interaction?: { prompt?: { name?: string } } }).Interaction?.prompt?.name;
    if (!login?.accountId || !session?.uid || prompt !== 'login') return;
    record({
      type: 'session.started',
      ...base(ctx),
      actor: { kind: 'account', sub: login.accountId },
      account: login.accountId,
      sessionIdHash: hashId('session', session.uid),
      ...(ctx.oidc.client ? { client: ctx.oidc.client.clientId } : {}),
    } as AuditEvent);
  });

  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    const session = ctx.oidc.session;
    const account = session?.accountId;
    if (!account || !session.uid) return;
    record({ type: 'session.ended', ...base(ctx), actor: { kind: 'account', sub: account }, account, sessionIdHash: hashId('session', session.uid), cause: 'logout' } as AuditEvent);
  });

  const backchannel = (delivered: boolean) => (ctx: KoaContextWithOIDC, ...rest: unknown[]) => {
    const [err, client, accountId, sid] = delivered ? [undefined, ...rest] : rest;
    const clientId = (client as { clientId?: string } | undefined)?.clientId;
    if (!clientId || typeof accountId !== 'string') return;
    record({
      type: 'logout.backchannel_sent',
      ...base(ctx),
      actor: { kind: 'system', component: 'logout' },
      account: accountId,
      client: clientId,
      ...(typeof sid === 'string' && sid ? { sidHash: hashId('session', sid) } : {}),
      delivered,
      ...(err instanceof Error ? { error: err.message.slice(0, 256) } : {}),
    } as AuditEvent);
  };
  provider.on('backchannel.success', backchannel(true));
  provider.on('backchannel.error', backchannel(false));
}

/** The introspection endpoint's answer about a token found (oidc-provider emits no event for it). */
export function introspectionEvent(auditor: Auditor, ctx: KoaContextWithOIDC, asker: string, token: { jti?: string; clientId?: string; accountId?: string; kind?: string }, active: boolean): void {
  const kinds: Record<string, 'access_token' | 'refresh_token' | 'client_credentials'> = { AccessToken: 'access_token', RefreshToken: 'refresh_token', ClientCredentials: 'client_credentials' };
  const tokenKind = token.kind ? kinds[token.kind] : undefined;
  auditor.record({
    type: 'token.introspected',
    version: 1,
    ...auditor.envelope(ctx as unknown as RequestLike),
    actor: clientActor(asker),
    ...(token.clientId ? { tokenClient: token.clientId } : {}),
    ...(token.accountId ? { account: token.accountId } : {}),
    ...(tokenKind ? { tokenKind } : {}),
    ...(token.jti ? { tokenIdHash: auditor.hashId('token', token.jti) } : {}),
    active,
  } as AuditEvent);
}
