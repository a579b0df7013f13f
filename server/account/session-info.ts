// What a person needs to recognise one of their browser sessions, which oidc-provider does not
// keep: the browser and system (from the user agent), the address and its approximate place,
// when it began and when it was last used. Written when the session signs in to an app
// (oidc-provider's authorization.success), at most once a minute per session and instance for
// "last used", so a busy session costs nothing noticeable.
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { GeoLookup } from '../geo/lookup.ts';
import type { ProtectedRecords } from '../provider/records.ts';
import { placeOf, type Place } from './places.ts';

const MODEL = 'SessionInfo';
const COALESCE_MS = 60_000;
const REMEMBERED = 10_000;

export interface SessionInfo {
  userAgent?: string;
  ip?: string;
  place?: Place;
  /** Epoch ms. */
  startedAt: number;
  lastActiveAt: number;
}

export interface SessionInfos {
  seen(ctx: KoaContextWithOIDC): Promise<void>;
  get(uid: string): Promise<SessionInfo | undefined>;
  forget(uid: string): Promise<void>;
}

export function sessionInfos(records: ProtectedRecords, geo: () => GeoLookup | undefined, lifetimeSeconds: number, now = () => Date.now()): SessionInfos {
  const written = new Map<string, { at: number; loginTs?: number; ip: string }>();
  return {
    async seen(ctx) {
      const session = ctx.oidc.session;
      if (!session?.uid || !session.accountId) return;
      const uid = session.uid;
      const at = now();
      const last = written.get(uid);
      const loginTs = session.loginTs;
      // A new sign-in, a new address, or a minute since the last write: worth writing.
      if (last && last.loginTs === loginTs && last.ip === ctx.ip && at - last.at < COALESCE_MS) return;
      if (written.size >= REMEMBERED) written.delete(written.keys().next().value!);
      written.set(uid, { at, loginTs, ip: ctx.ip });
      const info: SessionInfo = {
        userAgent: ctx.get('user-agent').slice(0, 512) || undefined,
        ip: ctx.ip,
        place: placeOf(geo(), ctx.ip),
        // The session began with its (latest) sign-in.
        startedAt: loginTs ? loginTs * 1000 : at,
        lastActiveAt: at,
      };
      await records.upsert(MODEL, uid, info as never, lifetimeSeconds);
    },
    async get(uid) {
      return (await records.find(MODEL, uid)) as SessionInfo | undefined;
    },
    async forget(uid) {
      written.delete(uid);
      await records.destroy(MODEL, uid);
    },
  };
}
