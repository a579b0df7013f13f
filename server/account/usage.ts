// When and from where each app last used its access: a token issued or refreshed at the token
// endpoint (oidc-provider's grant.success), or one of its tokens introspected. Recorded per grant,
// at most once every 30 s per grant and instance, and never awaited by the request: the token path
// pays an in-memory check, not a round trip. An access token issued as a JWT (for an API that
// verifies it offline) cannot be recalled, so the latest such expiry is kept for the console to
// say when the last one stops working.
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import type { GeoLookup } from '../geo/lookup.ts';
import type { ProtectedRecords } from '../provider/records.ts';
import { placeOf, type Place } from './places.ts';

const MODEL = 'GrantUsage';
const COALESCE_MS = 30_000;
const REMEMBERED = 20_000;

export type UseKind = 'issued' | 'refreshed' | 'introspected';

export interface GrantUsage {
  /** Epoch ms. */
  lastUsedAt: number;
  how: UseKind;
  ip?: string;
  place?: Place;
  /** Epoch ms when the last JWT access token of the grant expires. */
  jwtExpiresAt?: number;
}

export interface Usage {
  /** From the token endpoint's grant.success. */
  granted(ctx: KoaContextWithOIDC): void;
  /** A token of the grant introspected. */
  introspected(grantId: string): void;
  get(grantId: string): Promise<GrantUsage | undefined>;
}

export function grantUsage(records: ProtectedRecords, geo: () => GeoLookup | undefined, grantSeconds: number, logger: Logger, now = () => Date.now()): Usage {
  const recent = new Map<string, GrantUsage>();
  const lastWrite = new Map<string, number>();

  function note(grantId: string, use: Omit<GrantUsage, 'lastUsedAt' | 'place'>, ip: string | undefined) {
    const at = now();
    const previous = recent.get(grantId);
    const jwtExpiresAt = Math.max(use.jwtExpiresAt ?? 0, previous?.jwtExpiresAt ?? 0) || undefined;
    const usage: GrantUsage = { ...use, ip, lastUsedAt: at, ...(jwtExpiresAt ? { jwtExpiresAt } : {}) };
    if (recent.size >= REMEMBERED) {
      const oldest = recent.keys().next().value!;
      recent.delete(oldest);
      lastWrite.delete(oldest);
    }
    recent.set(grantId, usage);
    const later = jwtExpiresAt !== previous?.jwtExpiresAt;
    if (!later && at - (lastWrite.get(grantId) ?? 0) < COALESCE_MS) return;
    lastWrite.set(grantId, at);
    void records
      .upsert(MODEL, grantId, { ...usage, place: placeOf(geo(), ip) } as never, grantSeconds)
      .catch((err: unknown) => logger.warn({ err }, 'could not record when an app last used its access'));
  }

  return {
    granted(ctx) {
      const grantId = (ctx.oidc.entities.Grant as { jti?: string } | undefined)?.jti;
      if (!grantId) return;
      const body = ctx.body as { access_token?: unknown; expires_in?: unknown } | undefined;
      const jwt = typeof body?.access_token === 'string' && body.access_token.split('.').length === 3;
      const expiresIn = typeof body?.expires_in === 'number' ? body.expires_in : 0;
      const how: UseKind = ctx.oidc.params?.grant_type === 'refresh_token' ? 'refreshed' : 'issued';
      note(grantId, { how, ...(jwt ? { jwtExpiresAt: now() + expiresIn * 1000 } : {}) }, ctx.ip);
    },
    introspected(grantId) {
      // The address is the API's that asked, not the app's: the app's last one stays.
      note(grantId, { how: 'introspected' }, recent.get(grantId)?.ip);
    },
    async get(grantId) {
      return (await records.find(MODEL, grantId)) as GrantUsage | undefined;
    },
  };
}
