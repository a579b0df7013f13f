// oidc-provider's loadExistingGrant (docs/README.md, "loadExistingGrant"): the grant an
// authorization request is resolved against. As the library does by default: the grant consent
// just recorded, or the one this browser session holds for the client. For Latchkey's own account
// console (a first-party app) a grant for exactly what it asks is made on the spot: a person is
// never asked to consent to seeing their own account, whatever it asks for.
import type { KoaContextWithOIDC } from 'oidc-provider';

type Grant = InstanceType<KoaContextWithOIDC['oidc']['provider']['Grant']>;

export function existingGrant(firstParty: ReadonlySet<string>) {
  return async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
    const client = ctx.oidc.client;
    const session = ctx.oidc.session;
    if (!client || !session) return undefined;
    const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
    const found = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
    if (!firstParty.has(client.clientId) || !session.accountId) return found;
    // The grant this session holds may have been made for fewer scopes than asked now: it grows.
    const grant = found?.accountId === session.accountId ? found : new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    const asked = String(ctx.oidc.params?.scope ?? 'openid');
    if (found === grant && asked.split(' ').every((scope) => grant.getOIDCScope().split(' ').includes(scope))) return grant;
    grant.addOIDCScope(asked);
    await grant.save();
    return grant;
  };
}
