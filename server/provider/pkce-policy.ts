// The per-client PKCE policy, one client metadata property (oidc-provider's extraClientMetadata):
//
//   pkce  "required" (the default) | "optional"
//
// PKCE stays required for every public client, and for every confidential client unless its
// operator said `optional`, for relying parties that cannot send it (GitLab's OmniAuth strategy;
// mod_auth_openidc's default). RFC 9700 §2.1.1 lets a confidential OpenID Connect client protect
// the code with `nonce` instead, so an optional client is let off PKCE only for a request that
// asks for `openid` and carries a nonce; anything else still needs PKCE. A request that sends PKCE
// anyway is checked as usual.
//
// Pure: oidc-provider's configuration (configuration.ts) calls it from `pkce.required` and the
// extraClientMetadata validator.
export const PKCE = 'pkce';
export const PKCE_POLICIES = ['required', 'optional'] as const;
export type PkcePolicy = (typeof PKCE_POLICIES)[number];

interface PkceClient {
  readonly clientAuthMethod?: string | undefined;
}

/** The client's policy; "required" unless a confidential client registered "optional". */
export function pkcePolicy(client: PkceClient): PkcePolicy {
  if (client.clientAuthMethod === 'none') return 'required';
  return (client as unknown as Record<string, unknown>)[PKCE] === 'optional' ? 'optional' : 'required';
}

/** Whether this authorization request must carry PKCE (oidc-provider's pkce.required). */
export function pkceRequired(client: PkceClient, params: { scope?: unknown; nonce?: unknown }): boolean {
  if (pkcePolicy(client) === 'required') return true;
  const scopes = typeof params.scope === 'string' ? params.scope.split(' ') : [];
  const nonce = typeof params.nonce === 'string' && params.nonce.length > 0;
  return !(scopes.includes('openid') && nonce);
}

/** The extraClientMetadata check of `pkce`: the problem, or undefined when the value is good. */
export function pkceMetadataProblem(key: string, value: unknown, metadata: { token_endpoint_auth_method?: unknown }): string | undefined {
  if (key !== PKCE || value === undefined) return undefined;
  if (!PKCE_POLICIES.includes(value as PkcePolicy)) return `${PKCE} must be "required" or "optional"`;
  if (value === 'optional' && metadata.token_endpoint_auth_method === 'none') {
    return `${PKCE}: a public client always uses PKCE (RFC 9700 §2.1.1); only a confidential client may make it optional`;
  }
  return undefined;
}
