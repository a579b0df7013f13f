// Builds the Provider. oidc-provider fixes its keystore and configuration in its constructor,
// so a new keyset means a new Provider built here, never one mutated in place.
import Provider from 'oidc-provider';
import { reuseClientInstances } from './internals.ts';
import { buildConfiguration, type ProviderDeps } from './configuration.ts';
import { offlineAccessRequests } from './offline-access.ts';
import { PROVIDER_ROUTES } from '../http/routes.ts';

export function createProvider(deps: ProviderDeps): Provider {
  const provider = new Provider(deps.config.issuer, buildConfiguration(deps));
  provider.proxy = deps.config.trustProxy;
  // offline_access without prompt=consent (offline-access.ts).
  provider.use(offlineAccessRequests(PROVIDER_ROUTES.authorization));
  reuseClientInstances(provider, deps.adapter('Client'), new Set(deps.staticClients.map((client) => client.client_id)));
  return provider;
}

export type { ProviderDeps } from './configuration.ts';
