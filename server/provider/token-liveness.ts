// A token is live only while what it stands for is: its client still registered and its account
// still enabled. oidc-provider checks the account at userinfo and refresh (findAccount), but not at
// introspection, and there a token whose client was removed even failed with a 500. Asked by
// the introspection policy before anything else.
import type { FindAccount, KoaContextWithOIDC } from 'oidc-provider';

interface Token {
  clientId?: string;
  accountId?: string;
}

export async function tokenIsLive(ctx: KoaContextWithOIDC, token: Token, findAccount: FindAccount): Promise<boolean> {
  if (!token.clientId || !(await ctx.oidc.provider.Client.find(token.clientId))) return false;
  if (token.accountId && !(await findAccount(ctx, token.accountId))) return false;
  return true;
}
