// The per-client second-factor setting, one client metadata property (extraClientMetadata):
//
//   require_mfa  true | false (the default)
//
// A client with require_mfa: every sign-in to it needs a second factor (server/mfa/policy.ts
// decides; a session signed in with the password alone is asked for one before it may be used
// for this client, see interaction-policy.ts). Pure.
export const REQUIRE_MFA = 'require_mfa';

/** Whether oidc-provider's Client (or client metadata) asks for a second factor. */
export const clientRequiresMfa = (client: unknown) => (client as Record<string, unknown> | undefined)?.[REQUIRE_MFA] === true;

/** The extraClientMetadata check of require_mfa: the problem, or undefined when the value is good. */
export function requireMfaMetadataProblem(key: string, value: unknown): string | undefined {
  if (key !== REQUIRE_MFA || value === undefined || typeof value === 'boolean') return undefined;
  return `${REQUIRE_MFA} must be true or false`;
}
