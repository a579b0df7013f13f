// Audit events of tokens and grants. Tokens are named only by the hash of their id: the id of an
// opaque token is the token itself.
import { z } from 'zod';
import { defineEvent } from './define.ts';
import { actorOf, clientId, grantType, idHash, resource, scopes, sub } from './fields.ts';

export const TOKEN_KINDS = ['access_token', 'refresh_token', 'client_credentials'] as const;
const tokenKind = z.enum(TOKEN_KINDS).describe('`client_credentials`: an access token a client got for itself, with no account');
const tokenIdHash = idHash.describe('Hash of the token’s id (jti)');
const grantIdHash = idHash.describe('Hash of the grant id: every token of one consent shares it');

export const REVOCATION_CAUSES = ['revocation_endpoint', 'grant_revoked', 'refresh_reuse', 'account_disabled', 'logout', 'admin', 'account_console'] as const;
const cause = z
  .enum(REVOCATION_CAUSES)
  .describe('`revocation_endpoint`: a client called RFC 7009 revocation; `grant_revoked`: it went with its grant; `refresh_reuse`: reuse detection; `account_console`: the person removed it on their account page; `admin`: support staff');

export const tokenIssued = defineEvent('token.issued', 1, {
  summary: 'The token endpoint issued an access or refresh token.',
  audience: 'person',
  source: 'oidc-provider `access_token.saved` / `access_token.issued` (JWT), `refresh_token.saved`, `client_credentials.saved` / `.issued`',
  actor: actorOf('client'),
  fields: {
    account: sub.optional().describe('Whose token it is; absent for client credentials'),
    client: clientId.describe('The client it was issued to'),
    grantType,
    tokenKind,
    format: z.enum(['opaque', 'jwt']),
    scopes,
    resource: resource.optional().describe('The resource server (audience) it is for, RFC 8707'),
    tokenIdHash,
    grantIdHash: grantIdHash.optional(),
    expiresAt: z.number().int().nonnegative().describe('When it expires, epoch milliseconds'),
    boundTo: z.enum(['dpop', 'mtls']).optional().describe('Sender constraint, when the token is bound to a key'),
  },
});

export const tokenRefreshed = defineEvent('token.refreshed', 1, {
  summary: 'A refresh token was exchanged for a new one (rotation).',
  audience: 'person',
  source: 'oidc-provider `refresh_token.consumed` with the `grant.success` of the same request; server/provider/refresh-grace.ts for replays',
  actor: actorOf('client'),
  fields: {
    account: sub,
    client: clientId,
    previousTokenIdHash: idHash.describe('Hash of the refresh token presented (now consumed)'),
    tokenIdHash: idHash.describe('Hash of the refresh token issued in its place'),
    grantIdHash,
    scopes,
    replayed: z.boolean().describe('The reuse grace window answered with the successor already issued, instead of rotating again'),
  },
});

export const refreshReuseDetected = defineEvent('token.refresh_reuse_detected', 1, {
  summary: 'A refresh token that had already been used was presented again: someone may hold a copy.',
  audience: 'person',
  source: 'the token endpoint answering `invalid_grant` "refresh token already used" (oidc-provider `grant.error`), after reuse detection revoked the grant',
  actor: actorOf('client'),
  fields: {
    account: sub,
    client: clientId,
    tokenIdHash: idHash.describe('Hash of the reused refresh token'),
    grantIdHash,
    consumedAt: z.number().int().nonnegative().optional().describe('When it was first used, epoch milliseconds'),
    grantRevoked: z.boolean().describe('Whether the whole grant was revoked in consequence'),
  },
});

export const tokenRevoked = defineEvent('token.revoked', 1, {
  summary: 'A token was revoked before it expired.',
  audience: 'person',
  source: 'oidc-provider `access_token.destroyed`, `refresh_token.destroyed`, `client_credentials.destroyed`',
  actor: actorOf('client', 'admin', 'system', 'account'),
  fields: {
    account: sub.optional(),
    client: clientId.describe('The client the token was issued to'),
    tokenKind,
    tokenIdHash,
    cause,
  },
});

export const tokenIntrospected = defineEvent('token.introspected', 1, {
  summary: 'A client asked the introspection endpoint about a token.',
  audience: 'operator',
  source: 'a middleware after `/token/introspection` (oidc-provider emits no success event for it)',
  actor: actorOf('client'),
  fields: {
    tokenClient: clientId.optional().describe('The client the token was issued to, when the token was found'),
    account: sub.optional().describe('Whose token it is, when it was found and has an account'),
    tokenKind: tokenKind.optional(),
    tokenIdHash: tokenIdHash.optional(),
    active: z.boolean().describe('The answer: whether the token is active'),
  },
});

export const grantRevoked = defineEvent('grant.revoked', 1, {
  summary: 'A grant (one consent of a person to a client) was revoked, and every token of it with it.',
  audience: 'person',
  source: 'oidc-provider `grant.revoked` (revocation endpoint, refresh token reuse, logout), admin actions',
  actor: actorOf('client', 'admin', 'system', 'account'),
  fields: {
    account: sub.optional(),
    client: clientId,
    grantIdHash,
    cause,
  },
});
