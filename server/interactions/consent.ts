// What the consent page shows, and the grant an Allow creates: exactly what the prompt says is
// missing, added to the grant the client already holds for this user, if any.
import type Provider from 'oidc-provider';
import { describeClaim, describeScope } from '../provider/scopes.ts';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

interface Missing {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

const missingOf = (details: Details) => details.prompt.details as Missing;

export function consentView(details: Details) {
  const missing = missingOf(details);
  return {
    scopes: (missing.missingOIDCScope ?? []).map((name) => ({ name, description: describeScope(name) })),
    claims: (missing.missingOIDCClaims ?? [])
      .filter((claim) => !['sub', 'sid', 'auth_time', 'acr', 'amr', 'iss'].includes(claim))
      .map(describeClaim),
    resources: Object.entries(missing.missingResourceScopes ?? {}).map(([identifier, scopes]) => ({ identifier, scopes })),
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
