// oidc-provider's findAccount: an account is found only while its user exists and is enabled,
// so disabling a user stops refresh, userinfo and new sign-ins at once.
import type { FindAccount } from 'oidc-provider';
import type { User, Users } from './users.ts';

export function claimsOf(user: User): Record<string, unknown> {
  return {
    sub: user.sub,
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    preferred_username: user.preferredUsername,
    updated_at: Math.floor(user.updatedAt / 1000),
  };
}

export function createFindAccount(users: Users): FindAccount {
  return async (_ctx, sub) => {
    const user = await users.get(sub);
    if (!user || user.disabled) return undefined;
    return {
      accountId: user.sub,
      // oidc-provider filters these by the granted scopes and claims.
      claims: async () => ({ ...claimsOf(user), sub: user.sub }),
    };
  };
}
