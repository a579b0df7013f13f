// Who may introspect a token (RFC 7662 §2.1, the server's policy): the client it was issued to,
// and the confidential clients serving the API it is for (serves_resources). Every other caller,
// authenticated or not, hears exactly { "active": false }, as for a token that does not exist.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import type { ClientMetadata } from 'oidc-provider';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, authorize, discover, signIn } from '../support/oidc.ts';
import { introspector, resourceServer } from '../support/flows.ts';

const API = 'https://orders.example.test';
const OTHER_API = 'https://billing.example.test';
const RESOURCE_SERVERS = JSON.stringify([{ identifier: OTHER_API, scopes: ['read'], accessTokenFormat: 'opaque' }]);
const service = { redirect_uris: [], response_types: [], grant_types: ['client_credentials'] };

for (const store of STORES) {
  describe(`introspection least privilege (${store} store)`, () => {
    let running: Running;
    /** The API's own credentials. */
    let api: Awaited<ReturnType<typeof resourceServer>>;
    /** A confidential client with no business with anyone's tokens. */
    let nosy: ReturnType<typeof introspector>;
    /** The credentials of another API. */
    let billing: Awaited<ReturnType<typeof resourceServer>>;

    before(async () => {
      running = await startLatchkey({ store, env: { RESOURCE_SERVERS } });
      await running.latchkey.apis.add({ identifier: API, scopes: [{ name: 'orders:read' }], accessTokenFormat: 'opaque' });
      api = await resourceServer(running, [API]);
      billing = await resourceServer(running, [OTHER_API]);
      const other = await addClient(running, service);
      nosy = introspector(await discover(running, other.clientId, other.secret));
    });
    after(() => running.stop());

    async function client(metadata: Partial<ClientMetadata> & { public?: boolean } = {}) {
      const { clientId, secret } = await addClient(running, metadata);
      return { clientId, config: await discover(running, clientId, secret) };
    }

    /** A service's opaque token for the API. */
    async function apiToken() {
      const owner = await client({ ...service, allowed_resources: { [API]: 'orders:read' } });
      const tokens = await oidc.clientCredentialsGrant(owner.config, { resource: API, scope: 'orders:read' });
      return { ...owner, token: tokens.access_token };
    }

    it("tells another client nothing about a token: active false and no more", async () => {
      const { token } = await apiToken();
      expect(await nosy(token)).to.deep.equal({ active: false });
      expect(await nosy(token, 'access_token')).to.deep.equal({ active: false });
    });

    it("tells the API's own introspection client everything about a token issued for it", async () => {
      const { clientId, token } = await apiToken();
      const info = await api.introspect(token);
      expect(info).to.include({ active: true, client_id: clientId, aud: API, scope: 'orders:read', token_type: 'Bearer' });
    });

    it('tells the client the token was issued to, too', async () => {
      const { clientId, config, token } = await apiToken();
      expect(await introspector(config)(token)).to.include({ active: true, client_id: clientId, aud: API });
    });

    it("tells the client serving another API nothing", async () => {
      const { token } = await apiToken();
      expect(await billing.introspect(token)).to.deep.equal({ active: false });
    });

    it('keeps tokens without an audience (the userinfo kind) and refresh tokens to their own client', async () => {
      const user = await addUser(running);
      const { clientId, config } = await client();
      const { tokens } = await signIn(config, user.email);
      for (const [token, hint] of [[tokens.access_token, 'access_token'], [tokens.refresh_token!, 'refresh_token']] as const) {
        expect(await api.introspect(token, hint), `${hint} at the API`).to.deep.equal({ active: false });
        expect(await nosy(token, hint), `${hint} at another client`).to.deep.equal({ active: false });
        expect(await introspector(config)(token, hint), `${hint} at its own client`).to.include({ active: true, client_id: clientId });
      }
    });

    it("keeps a refresh token from the API even when the grant's access tokens are for it", async () => {
      const user = await addUser(running);
      const { config } = await client({ allowed_resources: { [API]: 'orders:read' } });
      const result = await authorize(config, user.email, { scope: 'openid orders:read offline_access', extra: { resource: API, prompt: 'consent' } });
      const tokens = await oidc.authorizationCodeGrant(config, result.callback, { pkceCodeVerifier: result.verifier, expectedState: result.state, expectedNonce: result.nonce });
      expect(await api.introspect(tokens.access_token), 'the access token is for the API').to.include({ active: true, aud: API });
      expect(await api.introspect(tokens.refresh_token!, 'refresh_token')).to.deep.equal({ active: false });
    });

    it("does not let a public client learn about another client's token", async () => {
      const { token } = await apiToken();
      const spa = await client({ public: true });
      expect(await introspector(spa.config)(token)).to.deep.equal({ active: false });
    });
  });
}
