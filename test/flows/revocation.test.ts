// Taking access back really ends it. A new password (set by an operator) or disabling an account
// ends every session and grant of the account: the browser can no longer get codes, refresh tokens
// stop refreshing, introspection says inactive, and re-enabling brings nothing back. Removing a
// client ends what it holds, and introspecting its tokens says inactive (it was a 500).
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { authorizationRequest, expectOAuthError, introspector, resourceServer } from '../support/flows.ts';
import { startLatchkey, STORES, TEST_ADMIN_TOKEN, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, REDIRECT_URI, signIn } from '../support/oidc.ts';
import type { Browser } from '../support/browser.ts';

for (const store of STORES) {
  describe(`revocation that ends access (${store} store)`, () => {
    const API = 'https://orders.example.test';
    let running: Running;
    /** The API's own introspection client. */
    let api: Awaited<ReturnType<typeof resourceServer>>;
    before(async () => {
      running = await startLatchkey({ store });
      await running.latchkey.apis.add({ identifier: API, scopes: [{ name: 'orders:read' }], accessTokenFormat: 'opaque' });
      api = await resourceServer(running, [API]);
    });
    after(() => running.stop());

    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${running.url}/admin/${path}`, {
        method,
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: r.status === 204 ? undefined : ((await r.json()) as Record<string, any>) }));

    async function signedIn() {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running);
      const config = await discover(running, clientId, secret);
      const { browser, tokens } = await signIn(config, user.email);
      // Who may introspect the app's tokens: the app itself.
      return { user, clientId, config, browser, tokens, introspect: introspector(config) };
    }

    async function silently(config: oidc.Configuration, browser: Browser) {
      const { params } = await authorizationRequest('openid', { prompt: 'none' });
      const page = await browser.get(oidc.buildAuthorizationUrl(config, params).href);
      expect(page.url.startsWith(REDIRECT_URI), page.url).to.equal(true);
      const callback = new URL(page.url).searchParams;
      return callback.has('code') ? 'signed in' : callback.get('error');
    }

    async function expectEnded(s: Awaited<ReturnType<typeof signedIn>>) {
      expect(await silently(s.config, s.browser), 'the browser session').to.equal('login_required');
      await expectOAuthError(oidc.refreshTokenGrant(s.config, s.tokens.refresh_token!), 'invalid_grant');
      expect((await s.introspect(s.tokens.access_token)).active, 'the access token').to.equal(false);
      expect((await s.introspect(s.tokens.refresh_token!)).active, 'the refresh token').to.equal(false);
    }

    it('a new password set by an operator ends every session and token of the account', async () => {
      const s = await signedIn();
      const other = await signIn(s.config, s.user.email); // a second browser
      expect(await silently(s.config, s.browser)).to.equal('signed in');
      const changed = await admin('POST', 'users/password', { email: s.user.email, password: 'a brand new passphrase' });
      expect(changed.status).to.equal(200);
      expect(changed.body!.revoked, 'one grant and one session per browser').to.deep.equal({ grants: 2, sessions: 2 });
      await expectEnded(s);
      expect(await silently(s.config, other.browser), 'the other browser too').to.equal('login_required');
    });

    it('disabling ends everything, and enabling again brings none of it back', async () => {
      const s = await signedIn();
      expect((await admin('POST', 'users/disable', { email: s.user.email })).status).to.equal(200);
      await expectEnded(s);
      expect((await admin('POST', 'users/enable', { email: s.user.email })).status).to.equal(200);
      await expectEnded(s);
    });

    it("introspection says inactive for a disabled account's token, whatever else happened", async () => {
      const s = await signedIn();
      expect((await s.introspect(s.tokens.access_token)).active).to.equal(true);
      await running.latchkey.users.setDisabled(s.user.email, true); // the repository alone: no revocation
      expect((await s.introspect(s.tokens.access_token)).active).to.equal(false);
      await running.latchkey.users.setDisabled(s.user.email, false);
    });

    it('removing a client ends its grants, and its tokens introspect as inactive', async () => {
      const s = await signedIn();
      const service = await addClient(running, { redirect_uris: [], response_types: [], grant_types: ['client_credentials'], allowed_resources: { [API]: 'orders:read' } });
      const machine = await oidc.clientCredentialsGrant(await discover(running, service.clientId, service.secret), { resource: API, scope: 'orders:read' });
      expect((await api.introspect(machine.access_token)).active, 'before').to.equal(true);
      expect((await admin('DELETE', `clients/${encodeURIComponent(s.clientId)}`)).status).to.equal(204);
      expect((await admin('DELETE', `clients/${encodeURIComponent(service.clientId)}`)).status).to.equal(204);
      // Its client-credentials token has no grant: it is refused because its client is gone.
      expect(await api.introspect(machine.access_token)).to.deep.equal({ active: false });
      // Registered again under the same id, the app starts from nothing: no grant survives, so
      // its old refresh token is dead and consent is asked again.
      const again = await addClient(running, { client_id: s.clientId });
      const config = await discover(running, again.clientId, again.secret);
      await expectOAuthError(oidc.refreshTokenGrant(config, s.tokens.refresh_token!), 'invalid_grant');
      expect((await introspector(config)(s.tokens.access_token)).active).to.equal(false);
      expect(await silently(config, s.browser)).to.equal('consent_required');
    });
  });
}
