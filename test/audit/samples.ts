// One valid event of every type in the catalogue. The mapped type makes leaving a type out (or
// getting one of its fields wrong) a type error, so the tests that walk every type walk them all.
import type { AuditEventOf, AuditEventType } from '../../server/audit/catalogue.ts';
import { alertRaisedEvent } from '../../server/audit/events-alerts.ts';
import { createIdHasher } from '../../server/audit/ids.ts';

export const hashId = createIdHasher(Buffer.alloc(32, 7));
const AT = Date.UTC(2026, 2, 2, 9, 30);
const sub = 'Qm9iIGlzIGEgcGVyc29u';
const client = 'my-spa';
const seen = { ip: '198.51.100.23', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0', place: { country: 'DE', city: 'Berlin', latitude: 52.52, longitude: 13.405, asn: 3320 } };
const token = hashId('token', 'x'.repeat(43));
const grant = hashId('grant', 'g'.repeat(21));
const session = hashId('session', 's'.repeat(21));
const admin = { kind: 'admin' as const, id: 'admin-token' };
const system = { kind: 'system' as const, component: 'key-rotation' };
const key = { kid: 'ES256-3f9a', alg: 'ES256' };

export const SAMPLES: { [T in AuditEventType]: AuditEventOf<T> } = {
  'signin.succeeded': {
    type: 'signin.succeeded', version: 1, at: AT, requestId: 'req-1', ...seen, actor: { kind: 'account', sub }, account: sub, client, sessionIdHash: session, amr: ['pwd'],
    risk: { score: 1.2, decision: 'require', reasons: ['first sign-in from Brazil', 'new browser (Firefox on Linux)'] },
  },
  'signin.feedback': { type: 'signin.feedback', version: 1, at: AT, actor: { kind: 'account', sub }, account: sub, verdict: 'not_me', signInAt: AT - 60_000 },
  'signin.failed': {
    type: 'signin.failed', version: 1, at: AT, ...seen, actor: { kind: 'anonymous' }, account: sub, loginHash: hashId('login', 'ada@example.com'),
    client, reason: 'wrong_password', personSees: 'incorrect_email_or_password',
  },
  'consent.granted': { type: 'consent.granted', version: 1, at: AT, actor: { kind: 'account', sub }, account: sub, client, scopes: ['openid', 'email'], grantIdHash: grant },
  'consent.denied': { type: 'consent.denied', version: 1, at: AT, actor: { kind: 'account', sub }, account: sub, client, scopes: ['openid'], how: 'denied' },
  'session.started': { type: 'session.started', version: 1, at: AT, actor: { kind: 'account', sub }, account: sub, sessionIdHash: session, client },
  'session.ended': { type: 'session.ended', version: 1, at: AT, actor: { kind: 'account', sub }, account: sub, sessionIdHash: session, cause: 'logout' },
  'logout.backchannel_sent': { type: 'logout.backchannel_sent', version: 1, at: AT, actor: { kind: 'system', component: 'logout' }, account: sub, client, delivered: false, error: 'expected 200 OK, got: 500' },
  'request.refused': {
    type: 'request.refused', version: 1, at: AT, requestId: 'req-2', ...seen, actor: { kind: 'client', clientId: client }, route: 'authorization', client, error: 'invalid_redirect_uri',
    description: "redirect_uri did not match any of the client's registered redirect_uris", redirectUri: 'https://rp.example.com/wrong-callback',
  },
  'signin.second_factor_failed': { type: 'signin.second_factor_failed', version: 1, at: AT, ...seen, actor: { kind: 'anonymous' }, account: sub, client, factor: 'totp', reason: 'wrong' },
  'mfa.enrolled': { type: 'mfa.enrolled', version: 1, at: AT, ...seen, actor: { kind: 'account', sub }, account: sub, factor: 'totp' },
  'mfa.removed': { type: 'mfa.removed', version: 1, at: AT, ...seen, actor: { kind: 'account', sub }, account: sub, factor: 'totp' },
  'mfa.recovery_codes_generated': { type: 'mfa.recovery_codes_generated', version: 1, at: AT, ...seen, actor: { kind: 'account', sub }, account: sub, how: 'regenerated' },
  'mfa.reset': { type: 'mfa.reset', version: 1, at: AT, ...seen, actor: admin, account: sub },
  'token.issued': {
    type: 'token.issued', version: 1, at: AT, ...seen, actor: { kind: 'client', clientId: client }, account: sub, client, grantType: 'authorization_code',
    tokenKind: 'access_token', format: 'jwt', scopes: ['openid'], resource: 'https://api.example.com', tokenIdHash: token, grantIdHash: grant, expiresAt: AT + 3_600_000, boundTo: 'dpop',
  },
  'token.refreshed': {
    type: 'token.refreshed', version: 1, at: AT, actor: { kind: 'client', clientId: client }, account: sub, client, previousTokenIdHash: token,
    tokenIdHash: hashId('token', 'y'.repeat(43)), grantIdHash: grant, scopes: ['openid', 'offline_access'], replayed: false,
  },
  'token.refresh_reuse_detected': {
    type: 'token.refresh_reuse_detected', version: 1, at: AT, ...seen, actor: { kind: 'client', clientId: client }, account: sub, client, tokenIdHash: token, grantIdHash: grant, consumedAt: AT - 60_000, grantRevoked: true,
  },
  'token.revoked': { type: 'token.revoked', version: 1, at: AT, actor: { kind: 'client', clientId: client }, account: sub, client, tokenKind: 'refresh_token', tokenIdHash: token, cause: 'revocation_endpoint' },
  'token.introspected': { type: 'token.introspected', version: 1, at: AT, actor: { kind: 'client', clientId: 'api' }, tokenClient: client, account: sub, tokenKind: 'access_token', tokenIdHash: token, active: true },
  'grant.revoked': { type: 'grant.revoked', version: 1, at: AT, actor: { kind: 'client', clientId: client }, account: sub, client, grantIdHash: grant, cause: 'refresh_reuse' },
  'key.staged': { type: 'key.staged', version: 1, at: AT, actor: system, ...key },
  'key.promoted': { type: 'key.promoted', version: 1, at: AT, actor: system, ...key, emergency: false },
  'key.retired': { type: 'key.retired', version: 1, at: AT, actor: system, ...key },
  'key.removed': { type: 'key.removed', version: 1, at: AT, actor: system, ...key },
  'key.revoked': { type: 'key.revoked', version: 1, at: AT, actor: admin, ...key, wasSigning: true },
  'client.created': { type: 'client.created', version: 1, at: AT, actor: admin, client, public: true, grantTypes: ['authorization_code', 'refresh_token'], redirectUris: ['http://localhost:5173/callback'] },
  'client.changed': { type: 'client.changed', version: 1, at: AT, actor: admin, client, fields: ['redirect_uris'], secretRotated: false },
  'client.removed': { type: 'client.removed', version: 1, at: AT, actor: admin, client },
  'client.registration_token_issued': { type: 'client.registration_token_issued', version: 1, at: AT, actor: admin, tokenIdHash: token, expiresAt: AT + 86_400_000, reusable: false },
  'client.registered': {
    type: 'client.registered', version: 1, at: AT, ...seen, actor: { kind: 'client', clientId: 'Jq0d3AbG' }, client: 'Jq0d3AbG', public: false,
    grantTypes: ['authorization_code', 'refresh_token'], redirectUris: ['https://app.example.com/callback'], pkceOptional: false, initialTokenIdHash: token,
  },
  'client.registration_updated': { type: 'client.registration_updated', version: 1, at: AT, actor: { kind: 'client', clientId: 'Jq0d3AbG' }, client: 'Jq0d3AbG', redirectUris: ['https://app.example.com/callback'] },
  'client.registration_deleted': { type: 'client.registration_deleted', version: 1, at: AT, actor: { kind: 'client', clientId: 'Jq0d3AbG' }, client: 'Jq0d3AbG' },
  'user.created': { type: 'user.created', version: 1, at: AT, actor: admin, account: sub },
  'user.changed': { type: 'user.changed', version: 1, at: AT, actor: admin, account: sub, fields: ['name'] },
  'user.removed': { type: 'user.removed', version: 1, at: AT, actor: admin, account: sub },
  'user.disabled': { type: 'user.disabled', version: 1, at: AT, actor: admin, account: sub },
  'user.enabled': { type: 'user.enabled', version: 1, at: AT, actor: admin, account: sub },
  'user.password_changed': { type: 'user.password_changed', version: 1, at: AT, actor: { kind: 'account', sub }, account: sub },
  'user.password_reset': { type: 'user.password_reset', version: 1, at: AT, ip: '203.0.113.9', actor: { kind: 'account', sub }, account: sub, offlineAccessRemoved: true },
  'user.email_verified': { type: 'user.email_verified', version: 1, at: AT, actor: { kind: 'account', sub }, account: sub },
  'user.signed_up': { type: 'user.signed_up', version: 1, at: AT, ip: '203.0.113.9', actor: { kind: 'system', component: 'signup' }, account: sub },
  'mail.failed': { type: 'mail.failed', version: 1, at: AT, actor: { kind: 'system', component: 'mail' }, kind: 'password-reset', account: sub, attempts: 1, gaveUp: false, reason: 'connect ECONNREFUSED 127.0.0.1:25' },
  'admin.api_called': { type: 'admin.api_called', version: 1, at: AT, ip: '10.0.0.5', actor: admin, method: 'POST', path: '/admin/users/disable', status: 200 },
  'alert.raised': alertRaisedEvent({
    rule: 'new_country', severity: 'medium', at: AT, account: sub, ip: '203.0.113.9', summary: 'Account signed in from Japan, a country it has not signed in from before.',
    personMessage: 'Your account was just signed in to from Tokyo, Japan, where it has not been used before.', evidence: { country: 'JP', knownCountries: ['DE'] },
  }) as AuditEventOf<'alert.raised'>,
};
