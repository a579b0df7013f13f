// How a page names the app a person deals with: its name (or id), and the host its redirect goes
// to, so a look-alike name cannot hide where the person is really sent.

/** The parts of oidc-provider's Client a page shows. */
export interface ShownClient {
  clientId: string;
  clientName?: string;
  redirectUris?: readonly string[];
  postLogoutRedirectUris?: readonly string[];
  policyUri?: string;
  tosUri?: string;
}

export interface ClientSummary {
  name: string;
  host?: string;
  policyUri?: string;
  tosUri?: string;
}

/** redirectUri: the one this request goes back to, when known; else the first registered. */
export function clientSummary(client: ShownClient, redirectUri?: string): ClientSummary {
  const uri = redirectUri ?? client.redirectUris?.[0] ?? client.postLogoutRedirectUris?.[0];
  return {
    name: client.clientName ?? client.clientId,
    host: uri ? URL.parse(uri)?.host : undefined,
    policyUri: client.policyUri,
    tosUri: client.tosUri,
  };
}
