// Scopes Latchkey knows, with the plain words the consent page uses for each.
export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Confirm who you are (your account identifier)',
  email: 'See your email address and whether it is verified',
  profile: 'See your name and username',
  offline_access: 'Stay connected when you are not using the app',
};

export const OIDC_SCOPES = Object.keys(SCOPE_DESCRIPTIONS);

/** The claims each scope grants: the standard OpenID Connect mapping (Core 1.0 §5.4), for
 * oidc-provider's `claims` option. The account's claims themselves come from accounts/. */
export const CLAIMS_BY_SCOPE = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at'],
};

/** Individual claims an app may ask for (the claims parameter), in plain words. */
export const CLAIM_DESCRIPTIONS: Record<string, string> = {
  name: 'Your full name',
  given_name: 'Your first name',
  family_name: 'Your last name',
  middle_name: 'Your middle name',
  nickname: 'Your nickname',
  preferred_username: 'Your username',
  profile: 'The address of your profile page',
  picture: 'Your profile picture',
  website: 'Your website',
  gender: 'Your gender',
  birthdate: 'Your date of birth',
  zoneinfo: 'Your time zone',
  locale: 'Your language and region',
  updated_at: 'When your profile last changed',
  email: 'Your email address',
  email_verified: 'Whether your email address is verified',
  phone_number: 'Your phone number',
  phone_number_verified: 'Whether your phone number is verified',
  address: 'Your postal address',
};

export function describeClaim(claim: string): string {
  return CLAIM_DESCRIPTIONS[claim] ?? `The detail "${claim}"`;
}

export function describeScope(scope: string): string {
  return SCOPE_DESCRIPTIONS[scope] ?? `Use the permission "${scope}"`;
}
