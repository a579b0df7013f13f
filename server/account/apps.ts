// A person's connected apps: one per grant they hold, with what the app may do in the words the
// consent page used, since when, when and from where it last used its access, how many of its
// tokens are alive, and whether some of them are JWTs that cannot be recalled.
import type Provider from 'oidc-provider';
import { clientSummary } from '../interactions/client-summary.ts';
import { describeClaim, describeScope } from '../provider/scopes.ts';
import type { ProtectedRecords } from '../provider/records.ts';
import type { Revocation } from '../provider/revocation.ts';
import { CONSOLE_CLIENT_ID } from './console-client.ts';
import type { GrantUsage, Usage } from './usage.ts';

export interface ConnectedApp {
  grantId: string;
  clientId: string;
  name: string;
  host?: string;
  /** The first letter of the name, for apps without a logo. */
  initial: string;
  logoUri?: string;
  /** What the app may do, in plain words. */
  access: string[];
  /** It may keep its access while the person is away (a refresh token). */
  offline: boolean;
  /** Epoch ms. */
  authorisedAt?: number;
  lastUsed?: GrantUsage;
  /** Its tokens and codes still usable. */
  liveTokens: number;
  /** When its last JWT access token stops working, if that is still ahead. */
  jwtExpiresAt?: number;
}

export interface ApiNames {
  /** The plain-words name and scope descriptions of a registered API. */
  describe(identifier: string): Promise<{ name?: string; scopes: Map<string, string> } | undefined>;
}

export function connectedApps(provider: () => Provider, records: ProtectedRecords, usage: Usage, apis: ApiNames, now = () => Date.now()) {
  async function describeGrant(grant: InstanceType<Provider['Grant']>): Promise<string[]> {
    const access = grant
      .getOIDCScope()
      .split(' ')
      .filter((scope) => scope && scope !== 'offline_access')
      .map(describeScope);
    for (const claim of (grant.openid?.claims ?? []).filter((c) => !['sub', 'sid', 'auth_time', 'acr', 'amr', 'iss'].includes(c))) access.push(describeClaim(claim));
    for (const identifier of Object.keys(grant.resources ?? {})) {
      const api = await apis.describe(identifier);
      const label = api?.name ?? new URL(identifier).host;
      for (const scope of grant.getResourceScope(identifier).split(' ').filter(Boolean)) {
        access.push(`${label}: ${api?.scopes.get(scope) ?? `use the permission "${scope}"`}`);
      }
    }
    return access;
  }

  return {
    async list(sub: string): Promise<ConnectedApp[]> {
      const owned = await records.owned('account', sub);
      const apps = await Promise.all(
        owned
          .filter((o) => o.model === 'Grant' && o.payload.clientId !== CONSOLE_CLIENT_ID)
          .map(async ({ payload }) => {
            const grantId = String(payload.jti);
            const [grant, client, lastUsed, liveTokens] = await Promise.all([
              provider().Grant.find(grantId),
              provider().Client.find(String(payload.clientId)),
              usage.get(grantId),
              records.liveTokens(grantId),
            ]);
            if (!grant || grant.accountId !== sub) return undefined;
            const summary = client ? clientSummary(client) : { name: String(payload.clientId) };
            const jwtExpiresAt = lastUsed?.jwtExpiresAt && lastUsed.jwtExpiresAt > now() ? lastUsed.jwtExpiresAt : undefined;
            const app: ConnectedApp = {
              grantId,
              clientId: String(payload.clientId),
              name: summary.name,
              host: summary.host,
              initial: [...summary.name.trim()][0]?.toUpperCase() ?? '?',
              logoUri: client?.logoUri,
              access: await describeGrant(grant),
              offline: grant.getOIDCScope().split(' ').includes('offline_access'),
              authorisedAt: typeof grant.iat === 'number' ? grant.iat * 1000 : undefined,
              lastUsed,
              liveTokens,
              jwtExpiresAt,
            };
            return app;
          }),
      );
      return apps.filter((a): a is ConnectedApp => a !== undefined).sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}

/** Removes an app's access: only the person's own grant. The app's client id; undefined when
 * the grant is not theirs (or gone). */
export async function removeApp(provider: () => Provider, revocation: Revocation, sub: string, grantId: string): Promise<string | undefined> {
  const grant = await provider().Grant.find(grantId);
  if (!grant || grant.accountId !== sub || grant.clientId === CONSOLE_CLIENT_ID) return undefined;
  await revocation.grant(grantId);
  return grant.clientId;
}
