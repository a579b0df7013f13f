// The audit events of taking access back from the account console or through support staff:
// sessions ended, apps told by back-channel logout, grants revoked. Ids are hashed.
import type { AdapterPayload } from 'oidc-provider';
import type { AuditEvent } from '../audit/catalogue.ts';
import type { Auditor } from '../audit/context.ts';
import type { EndedBy, SessionEndings } from './sessions.ts';

const actorOf = (by: EndedBy, sub: string) => (by === 'admin' ? { kind: 'admin' as const, id: 'admin-token' } : { kind: 'account' as const, sub });
const causeOf = (by: EndedBy) => (by === 'admin' ? 'admin' : 'account_console');

export function holdingsAudit(auditor: Auditor) {
  const base = () => ({ version: 1 as const, ...auditor.envelope(undefined) });
  const grantRevoked = (sub: string, clientId: string, grantId: string, by: EndedBy) =>
    auditor.record({ type: 'grant.revoked', ...base(), actor: actorOf(by, sub), account: sub, client: clientId, grantIdHash: auditor.hashId('grant', grantId), cause: causeOf(by) } as AuditEvent);

  const endings: SessionEndings = {
    ended(payload: AdapterPayload, by) {
      const sub = String(payload.accountId);
      auditor.record({ type: 'session.ended', ...base(), actor: actorOf(by, sub), account: sub, sessionIdHash: auditor.hashId('session', String(payload.uid)), cause: causeOf(by) } as AuditEvent);
    },
    appTold(payload, clientId, sid, error) {
      auditor.record({
        type: 'logout.backchannel_sent',
        ...base(),
        actor: { kind: 'system', component: 'logout' },
        account: String(payload.accountId),
        client: clientId,
        ...(sid ? { sidHash: auditor.hashId('session', sid) } : {}),
        delivered: !error,
        ...(error ? { error: error.message.slice(0, 256) } : {}),
      } as AuditEvent);
    },
    grantEnded: (payload, clientId, grantId, by) => grantRevoked(String(payload.accountId), clientId, grantId, by),
  };
  return { endings, grantRevoked };
}
