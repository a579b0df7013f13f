// What a person holds — their connected apps and browser sessions — and taking it back. One
// service for the two who may act on it: the person, in the account console, and support staff,
// through the admin API and the CLI (users show / revoke-app / sign-out).
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { ApiRegistry } from '../apis/registry.ts';
import type { ProtectedRecords } from '../provider/records.ts';
import type { Revocation } from '../provider/revocation.ts';
import { connectedApps, removeApp, type ApiNames } from './apps.ts';
import type { SessionInfos } from './session-info.ts';
import { browserSessions } from './sessions.ts';
import type { Usage } from './usage.ts';
import type { Auditor } from '../audit/context.ts';
import { holdingsAudit } from './holdings-audit.ts';
import type { EndedBy } from './sessions.ts';

export interface HoldingsDeps {
  provider: () => Provider;
  records: ProtectedRecords;
  usage: Usage;
  infos: SessionInfos;
  revocation: Revocation;
  apis: ApiRegistry;
  logger: Logger;
  auditor?: Auditor;
}

export function accountHoldings(deps: HoldingsDeps) {
  // The consent page's words for an API's scopes, as the registry describes them.
  const names: ApiNames = {
    async describe(identifier) {
      const api = await deps.apis.get(identifier);
      return api && { name: api.name, scopes: new Map(api.scopes.flatMap((s) => (s.description ? [[s.name, s.description] as const] : []))) };
    },
  };
  const audit = deps.auditor ? holdingsAudit(deps.auditor) : undefined;
  return {
    apps: connectedApps(deps.provider, deps.records, deps.usage, names),
    sessions: browserSessions(deps.provider, deps.records, deps.infos, deps.revocation, deps.logger, audit?.endings),
    /** Removes one of the person's apps' access; false when that grant is not theirs (or gone). */
    async removeApp(sub: string, grantId: string, by: EndedBy = 'person'): Promise<boolean> {
      const clientId = await removeApp(deps.provider, deps.revocation, sub, grantId);
      if (clientId) audit?.grantRevoked(sub, clientId, grantId, by);
      return clientId !== undefined;
    },
  };
}

export type AccountHoldings = ReturnType<typeof accountHoldings>;
