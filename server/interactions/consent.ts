// What the consent page shows, and the grant an Allow creates: exactly what the prompt says is
// missing, added to the grant the client already holds for this user, if any. The resource
// scopes the prompt lists are already only those the client may have there (oidc-provider asks
// getResourceServerInfo, provider/resource-access.ts), so neither the page nor the grant can
// offer more.
import type Provider from 'oidc-provider';
import type { ResourceServer } from '../../config/index.ts';
import { describeClaim, describeScope } from '../provider/scopes.ts';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

interface Missing {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

const missingOf = (details: Details) => details.prompt.details as Missing;

/** The APIs the consent prompt names, by identifier. */
export function resourcesAsked(details: Details): string[] {
  return Object.keys(missingOf(details).missingResourceScopes ?? {});
}

/** apis: the APIs of resourcesAsked(details), for their names and scope descriptions. */
/** A code-flow request without PKCE: only a client whose PKCE policy is optional gets this far
 * without it (provider/pkce-policy.ts), and only with a nonce. */
export function withoutPkce(details: Details): boolean {
  return String(details.params.response_type ?? '').split(' ').includes('code') && details.params.code_challenge === undefined;
}

export function consentView(details: Details, apis: ReadonlyMap<string, ResourceServer> = new Map()) {
  const missing = missingOf(details);
  return {
    withoutPkce: withoutPkce(details),
    scopes: (missing.missingOIDCScope ?? []).map((name) => ({ name, description: describeScope(name) })),
    claims: (missing.missingOIDCClaims ?? [])
      .filter((claim) => !['sub', 'sid', 'auth_time', 'acr', 'amr', 'iss'].includes(claim))
      .map(describeClaim),
    resources: Object.entries(missing.missingResourceScopes ?? {}).map(([identifier, scopes]) => {
      const api = apis.get(identifier);
      const described = new Map(api?.scopes.map((scope) => [scope.name, scope.description]));
      return {
        identifier,
        name: api?.name,
        scopes: scopes.map((name) => ({ name, description: described.get(name) })),
      };
    }),
  };
}

export async function grantFor(provider: Provider, details: Details): Promise<string> {
  const accountId = details.session!.accountId;
  const clientId = String(details.params.client_id);
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({ accountId, clientId });
  const missing = missingOf(details);
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}
