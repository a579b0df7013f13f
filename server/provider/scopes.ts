// Scopes Latchkey knows, with the plain words the consent page uses for each.
export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Confirm who you are (your account identifier)',
  email: 'See your email address and whether it is verified',
  profile: 'See your name and username',
  offline_access: 'Stay connected when you are not using the app',
};

export const OIDC_SCOPES = Object.keys(SCOPE_DESCRIPTIONS);

export function describeScope(scope: string): string {
  return SCOPE_DESCRIPTIONS[scope] ?? `Use the permission "${scope}"`;
}
