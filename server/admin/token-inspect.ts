// What the server knows about a token, for support staff (POST /admin/tokens/inspect, `latchkey
// token inspect`): its kind, client, account, scopes, audience, when it was issued and expires,
// and whether it works, or exactly why not. The answer never carries the token itself.
//
// Opaque tokens and codes are looked up in the store (oidc-provider's own find), their grant,
// client and account checked as the endpoints would; what the store no longer holds (revoked, or
// removed when it expired) is looked up in the audit trail by the hash of its id. JWTs are checked
// by their signature against the keys Latchkey publishes, their issuer and expiry.
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { Users } from '../accounts/users.ts';
import type { HashId } from '../audit/ids.ts';
import type { AuditTrail } from '../audit/trail.ts';
import type { AuditEvent } from '../audit/catalogue.ts';

export interface Inspection {
  kind: 'access_token' | 'refresh_token' | 'authorization_code' | 'device_code' | 'client_credentials' | 'id_token' | 'jwt' | 'unknown';
  format: 'opaque' | 'jwt';
  active: boolean;
  /** Why not, in words: expired, revoked, consumed, grant revoked, client removed, account disabled, unknown, … */
  reason?: string;
  clientId?: string;
  account?: string;
  scopes?: string[];
  audience?: string | string[];
  issuedAt?: number;
  expiresAt?: number;
  keyId?: string;
  /** Where the answer came from. */
  source: 'store' | 'audit trail' | 'signature' | 'nothing';
}

type Found = { jti?: string; clientId?: string; accountId?: string; scope?: string; iat?: number; exp?: number; grantId?: string; consumed?: unknown; aud?: unknown; isValid?: boolean; isExpired?: boolean };

const MODELS = [
  ['AccessToken', 'access_token'],
  ['RefreshToken', 'refresh_token'],
  ['AuthorizationCode', 'authorization_code'],
  ['DeviceCode', 'device_code'],
  ['ClientCredentials', 'client_credentials'],
] as const;

export interface InspectDeps {
  provider: () => Provider;
  users: Users;
  issuer: string;
  /** The public keys Latchkey publishes now. */
  publishedKeys: () => Promise<JWK[]>;
  trail: AuditTrail;
  hashId: HashId;
  now?: () => number;
}

export function tokenInspector({ provider, users, issuer, publishedKeys, trail, hashId, now = Date.now }: InspectDeps) {
  async function opaque(token: string): Promise<Inspection> {
    for (const [model, kind] of MODELS) {
      const found = (await (provider()[model] as unknown as { find(v: string, o: object): Promise<Found | undefined> }).find(token, { ignoreExpiration: true })) ?? undefined;
      if (!found) continue;
      const base: Inspection = {
        kind,
        format: 'opaque',
        active: false,
        source: 'store',
        ...(found.clientId ? { clientId: found.clientId } : {}),
        ...(found.accountId ? { account: found.accountId } : {}),
        scopes: String(found.scope ?? '').split(' ').filter(Boolean),
        ...(typeof found.aud === 'string' || Array.isArray(found.aud) ? { audience: found.aud as string | string[] } : {}),
        ...(found.iat ? { issuedAt: found.iat * 1000 } : {}),
        ...(found.exp ? { expiresAt: found.exp * 1000 } : {}),
      };
      return { ...base, ...(await liveness(found)) };
    }
    return fromTrail(token);
  }

  async function liveness(found: Found): Promise<{ active: boolean; reason?: string }> {
    if (found.exp && found.exp * 1000 <= now()) return { active: false, reason: 'expired' };
    if (found.consumed) return { active: false, reason: 'already used (a code exchanged, or a refresh token rotated)' };
    if (found.clientId && !(await provider().Client.find(found.clientId))) return { active: false, reason: 'its client was removed' };
    if (found.grantId && !(await provider().Grant.find(found.grantId))) return { active: false, reason: 'its grant was revoked (access removed, signed out, or refresh token reuse)' };
    if (found.accountId) {
      const user = await users.get(found.accountId);
      if (!user) return { active: false, reason: 'its account no longer exists' };
      if (user.disabled) return { active: false, reason: 'its account is disabled' };
    }
    return { active: true };
  }

  // Not in the store: what the trail says happened to it.
  async function fromTrail(token: string): Promise<Inspection> {
    const tokenIdHash = hashId('token', token);
    await trail.flush();
    // Searched back as far as the trail's search reads, not only the newest events.
    const about = (await trail.search({ tokenIdHash, limit: 100 })).events.map((e) => e.event);
    const issued = about.find((e): e is Extract<AuditEvent, { type: 'token.issued' }> => e.type === 'token.issued');
    if (!issued) return { kind: 'unknown', format: 'opaque', active: false, reason: 'unknown: never issued here, or older than the audit trail', source: 'nothing' };
    const revoked = about.find((e) => e.type === 'token.revoked') as Extract<AuditEvent, { type: 'token.revoked' }> | undefined;
    const grantRevoked = issued.grantIdHash
      ? ((await trail.search({ type: 'grant.revoked', grantIdHash: issued.grantIdHash, limit: 1 })).events[0]?.event as Extract<AuditEvent, { type: 'grant.revoked' }> | undefined)
      : undefined;
    const reason = revoked
      ? `revoked (${revoked.cause})`
      : about.some((e) => e.type === 'token.refresh_reuse_detected')
        ? 'revoked: presented again after it was used (refresh token reuse)'
        : grantRevoked
          ? `its grant was revoked (${grantRevoked.cause})`
          : issued.expiresAt <= now()
            ? 'expired'
            : 'gone from the store (revoked)';
    return {
      kind: issued.tokenKind,
      format: 'opaque',
      active: false,
      reason,
      source: 'audit trail',
      clientId: issued.client,
      ...(issued.account ? { account: issued.account } : {}),
      scopes: issued.scopes,
      ...(issued.resource ? { audience: issued.resource } : {}),
      issuedAt: issued.at,
      expiresAt: issued.expiresAt,
    };
  }

  async function jwt(token: string): Promise<Inspection> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch {
      return { kind: 'unknown', format: 'jwt', active: false, reason: 'not a well-formed JWT', source: 'nothing' };
    }
    const kind: Inspection['kind'] = header.typ === 'at+jwt' ? 'access_token' : claims.nonce !== undefined || claims.auth_time !== undefined ? 'id_token' : 'jwt';
    const base: Inspection = {
      kind,
      format: 'jwt',
      active: false,
      source: 'signature',
      ...(typeof claims.client_id === 'string' ? { clientId: claims.client_id } : typeof claims.azp === 'string' ? { clientId: claims.azp } : {}),
      ...(claims.sub && claims.sub !== claims.client_id ? { account: claims.sub } : {}),
      ...(typeof claims.scope === 'string' ? { scopes: claims.scope.split(' ').filter(Boolean) } : {}),
      ...(claims.aud ? { audience: claims.aud } : {}),
      ...(claims.iat ? { issuedAt: claims.iat * 1000 } : {}),
      ...(claims.exp ? { expiresAt: claims.exp * 1000 } : {}),
      ...(header.kid ? { keyId: header.kid } : {}),
    };
    if (claims.iss !== issuer) return { ...base, reason: `wrong issuer: ${String(claims.iss).slice(0, 200)} (this server is ${issuer})` };
    const keys = await publishedKeys();
    if (!header.kid || !keys.some((k) => k.kid === header.kid)) return { ...base, reason: 'signed by a key this server no longer publishes (rotated out or revoked), or by none of its keys' };
    try {
      await jwtVerify(token, createLocalJWKSet({ keys }), { issuer, currentDate: new Date(now()), clockTolerance: 0 });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED') return { ...base, reason: 'expired' };
      return { ...base, reason: 'the signature does not verify: not made by this server, or altered' };
    }
    if (base.account) {
      const user = await users.get(base.account);
      if (user?.disabled) return { ...base, reason: 'its account is disabled (the token still verifies where it is checked offline until it expires)' };
    }
    return { ...base, active: true };
  }

  return {
    async inspect(token: string): Promise<Inspection> {
      const trimmed = token.trim();
      return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(trimmed) ? jwt(trimmed) : opaque(trimmed);
    },
  };
}
