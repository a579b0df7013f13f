// A person's browser sessions: where each is (browser and system, address and approximate place),
// when it began and was last used, which is this one, and which apps signed in through it. Ending
// one does what signing out does (provider/internals.ts, entry 8), on any instance: every app with
// a back-channel logout URI is told (OpenID Connect Back-Channel Logout 1.0), the tokens issued in
// the session end unless the app was given offline access, and the session is gone.
import type { AdapterPayload } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import { describeUserAgent, parseUserAgent } from '../http/user-agent.ts';
import { backchannelLogout, sessionAuthorizations } from '../provider/internals.ts';
import type { ProtectedRecords } from '../provider/records.ts';
import type { Revocation } from '../provider/revocation.ts';
import { CONSOLE_CLIENT_ID } from './console-client.ts';
import { describePlace } from './places.ts';
import type { SessionInfo, SessionInfos } from './session-info.ts';

export interface BrowserSessionView {
  /** The session's uid: an identifier, not its cookie (which is never shown). */
  id: string;
  device?: string;
  ip?: string;
  place?: string;
  /** Epoch ms. */
  startedAt?: number;
  lastActiveAt?: number;
  current: boolean;
  /** The apps signed in through it. */
  apps: string[];
}

export interface Ended {
  notified: string[];
  grantsEnded: number;
}

/** Who ends a session: the person on their account page, or support staff. */
export type EndedBy = 'person' | 'admin';

/** Told of each session ended and each app told (or not) of it: the audit trail. */
export interface SessionEndings {
  ended(payload: AdapterPayload, by: EndedBy): void;
  appTold(payload: AdapterPayload, clientId: string, sid: string | undefined, error?: Error): void;
  grantEnded(payload: AdapterPayload, clientId: string, grantId: string, by: EndedBy): void;
}

export function browserSessions(provider: () => Provider, records: ProtectedRecords, infos: SessionInfos, revocation: Revocation, logger: Logger, endings?: SessionEndings) {
  async function sessionsOf(sub: string): Promise<AdapterPayload[]> {
    return (await records.owned('account', sub)).filter((o) => o.model === 'Session' && o.payload.accountId === sub).map((o) => o.payload);
  }

  function view(payload: AdapterPayload, info: SessionInfo | undefined, currentUid: string | undefined, names: Map<string, string>): BrowserSessionView {
    const uid = String(payload.uid);
    return {
      id: uid,
      device: info?.userAgent ? describeUserAgent(parseUserAgent(info.userAgent)) : undefined,
      ip: info?.ip,
      place: describePlace(info?.place),
      startedAt: info?.startedAt ?? (typeof payload.loginTs === 'number' ? payload.loginTs * 1000 : undefined),
      lastActiveAt: info?.lastActiveAt,
      current: uid === currentUid,
      apps: Object.keys(sessionAuthorizations(payload))
        .filter((clientId) => clientId !== CONSOLE_CLIENT_ID)
        .map((clientId) => names.get(clientId) ?? clientId),
    };
  }

  async function end(payload: AdapterPayload, by: EndedBy): Promise<Ended> {
    const accountId = String(payload.accountId);
    const notified: string[] = [];
    let grantsEnded = 0;
    for (const [clientId, authorization] of Object.entries(sessionAuthorizations(payload))) {
      try {
        if (await backchannelLogout(provider(), clientId, accountId, authorization.sid)) {
          notified.push(clientId);
          endings?.appTold(payload, clientId, authorization.sid);
        }
      } catch (err) {
        // The app is told best effort, as oidc-provider does: its failure does not keep the session alive.
        logger.warn({ err, clientId }, 'back-channel logout was not accepted by the app');
        endings?.appTold(payload, clientId, authorization.sid, err as Error);
      }
      if (authorization.grantId && !authorization.persistsLogout) {
        await revocation.grant(authorization.grantId);
        endings?.grantEnded(payload, clientId, authorization.grantId, by);
        grantsEnded++;
      }
    }
    await records.destroy('Session', String(payload.jti));
    await infos.forget(String(payload.uid));
    endings?.ended(payload, by);
    return { notified, grantsEnded };
  }

  return {
    async list(sub: string, currentUid?: string): Promise<BrowserSessionView[]> {
      const sessions = await sessionsOf(sub);
      const clientIds = new Set(sessions.flatMap((s) => Object.keys(sessionAuthorizations(s))));
      const names = new Map<string, string>();
      await Promise.all([...clientIds].map(async (id) => names.set(id, (await provider().Client.find(id))?.clientName ?? id)));
      const views = await Promise.all(sessions.map(async (s) => view(s, await infos.get(String(s.uid)), currentUid, names)));
      return views.sort((a, b) => Number(b.current) - Number(a.current) || (b.lastActiveAt ?? 0) - (a.lastActiveAt ?? 0));
    },
    /** Ends one of the person's sessions; undefined when it is not theirs (or gone). */
    async end(sub: string, uid: string, by: EndedBy = 'person'): Promise<Ended | undefined> {
      const payload = (await sessionsOf(sub)).find((s) => s.uid === uid);
      return payload ? end(payload, by) : undefined;
    },
    /** Ends every session of the person but `keepUid`. */
    async endOthers(sub: string, keepUid?: string, by: EndedBy = 'person'): Promise<number> {
      const others = (await sessionsOf(sub)).filter((s) => s.uid !== keepUid);
      await Promise.all(others.map((payload) => end(payload, by)));
      return others.length;
    },
  };
}

export type BrowserSessions = ReturnType<typeof browserSessions>;
