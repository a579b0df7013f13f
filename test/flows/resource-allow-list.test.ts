// Least privilege at issue: a client gets tokens only for the APIs it is allowed
// (allowed_resources, empty by default), and only the scopes allowed to it there, whichever grant
// it uses: client credentials, the authorization code (consent page and grant included), refresh
// and the device code. APIs come from RESOURCE_SERVERS and from the store alike.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import type { ClientMetadata } from 'oidc-provider';
import { Browser, type Page } from '../support/browser.ts';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, authorize, discover, PASSWORD, REDIRECT_URI } from '../support/oidc.ts';
import { authorizationRequest, decodeJwt, expectOAuthError, introspector, resourceServer, tokenRequest } from '../support/flows.ts';

const STATIC_API = 'https://static-api.example.test';
const STORED_API = 'https://stored-api.example.test/v1';
const OTHER_API = 'https://other-api.example.test';
const RESOURCE_SERVERS = JSON.stringify([{ identifier: STATIC_API, scopes: ['read', 'write', 'admin'] }]);
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const service = { redirect_uris: [], response_types: [], grant_types: ['client_credentials'] };

for (const store of STORES) {
  describe(`resource allow-lists (${store} store)`, () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store, env: { RESOURCE_SERVERS } });
      const { apis } = running.latchkey;
      await apis.add({
        identifier: STORED_API,
        name: 'Files',
        scopes: [{ name: 'files:read', description: 'See your files' }, { name: 'files:write', description: 'Change your files' }],
        accessTokenFormat: 'opaque',
      });
      await apis.add({ identifier: OTHER_API, scopes: [{ name: 'read' }], accessTokenFormat: 'jwt' });
    });
    after(() => running.stop());

    async function client(metadata: Partial<ClientMetadata> & { public?: boolean }) {
      const { clientId, secret } = await addClient(running, metadata);
      return { clientId, secret, config: await discover(running, clientId, secret) };
    }

    describe('client credentials', () => {
      it('refuses a client registered with nothing about APIs with invalid_target, for static and stored APIs', async () => {
        const { config } = await client(service);
        for (const [resource, scope] of [[STATIC_API, 'read'], [STORED_API, 'files:read']] as const) {
          const error = await expectOAuthError(oidc.clientCredentialsGrant(config, { resource, scope }), 'invalid_target');
          expect((error as oidc.ResponseBodyError).error_description).to.equal('resource indicator is unknown or not allowed for this client');
          await expectOAuthError(oidc.clientCredentialsGrant(config, { resource }), 'invalid_target');
        }
      });

      it('answers an unknown API exactly as an API the client may not use', async () => {
        const { config } = await client({ ...service, allowed_resources: { [STATIC_API]: 'read' } });
        const unknown = await expectOAuthError(oidc.clientCredentialsGrant(config, { resource: 'https://nowhere.example.test' }), 'invalid_target');
        const forbidden = await expectOAuthError(oidc.clientCredentialsGrant(config, { resource: OTHER_API }), 'invalid_target');
        expect((unknown as oidc.ResponseBodyError).error_description).to.equal((forbidden as oidc.ResponseBodyError).error_description);
      });

      it('grants only the allowed scopes: the others are left out of the token, not refused', async () => {
        const { config } = await client({ ...service, allowed_resources: { [STATIC_API]: 'read', [STORED_API]: 'files:read' } });
        const jwt = await oidc.clientCredentialsGrant(config, { resource: STATIC_API, scope: 'read write admin' });
        expect(jwt.scope).to.equal('read');
        expect(decodeJwt(jwt.access_token).payload).to.include({ aud: STATIC_API, scope: 'read' });

        const opaque = await oidc.clientCredentialsGrant(config, { resource: STORED_API, scope: 'files:read files:write' });
        expect(opaque.scope).to.equal('files:read');
        const info = await introspector(config)(opaque.access_token);
        expect(info).to.include({ active: true, aud: STORED_API, scope: 'files:read' });
      });

      it('issues a token without scopes for an API allowed with none', async () => {
        const { config } = await client({ ...service, allowed_resources: { [STATIC_API]: '' } });
        const tokens = await oidc.clientCredentialsGrant(config, { resource: STATIC_API, scope: 'read write' });
        expect(tokens.scope).to.equal(undefined);
        const { payload } = decodeJwt(tokens.access_token);
        expect(payload.aud).to.equal(STATIC_API);
        expect(payload).to.not.have.property('scope');
      });

      it('stops issuing for an API the moment it is removed, and follows a narrower re-registration', async () => {
        const identifier = 'https://short-lived.example.test';
        await running.latchkey.apis.add({ identifier, scopes: [{ name: 'a' }, { name: 'b' }], accessTokenFormat: 'jwt' });
        const { config } = await client({ ...service, allowed_resources: { [identifier]: 'a b' } });
        expect((await oidc.clientCredentialsGrant(config, { resource: identifier, scope: 'a b' })).scope).to.equal('a b');
        await running.latchkey.apis.remove(identifier);
        await expectOAuthError(oidc.clientCredentialsGrant(config, { resource: identifier, scope: 'a b' }), 'invalid_target');
        await running.latchkey.apis.add({ identifier, scopes: [{ name: 'a' }], accessTokenFormat: 'jwt' });
        expect((await oidc.clientCredentialsGrant(config, { resource: identifier, scope: 'a b' })).scope).to.equal('a');
      });
    });

    describe('authorization code', () => {
      const allowed = { allowed_resources: { [STORED_API]: 'files:read' } };

      /** Through the login page to the consent page of an authorization request for the API. */
      async function toConsent(config: oidc.Configuration, email: string, scope: string, browser = new Browser([new URL(REDIRECT_URI).origin])) {
        const request = await authorizationRequest(scope, { resource: STORED_API, prompt: 'consent' });
        let page: Page = await browser.get(oidc.buildAuthorizationUrl(config, request.params).href);
        page = await browser.submit(page, { Email: email, Password: PASSWORD }, 'Sign in');
        return { page, request, browser };
      }

      it('refuses a client not allowed the API at the authorization endpoint, before any page', async () => {
        const user = await addUser(running);
        const { config } = await client({});
        const { callback } = await authorize(config, user.email, { scope: 'openid files:read', extra: { resource: STORED_API } });
        expect(callback.searchParams.get('error')).to.equal('invalid_target');
        expect(callback.searchParams.has('code')).to.equal(false);
      });

      it('shows on the consent page, records in the grant and puts in the token only the allowed scopes', async () => {
        const user = await addUser(running);
        const { config } = await client(allowed);
        const { page, request, browser } = await toConsent(config, user.email, 'openid files:read files:write offline_access');
        expect(page.html).to.include('name="decision"');
        const services = page.doc.querySelectorAll('ul.perms').at(-1)!.text;
        expect(services, 'the API by name, its identifier, the allowed scope in plain words').to.include('Files').and.include(STORED_API).and.include('See your files');
        expect(page.html, 'the scope the client may not have is not offered').to.not.include('Change your files').and.not.include('files:write');

        const done = await browser.submit(page, {}, 'Allow');
        const tokens = await oidc.authorizationCodeGrant(config, new URL(done.url), request.checks);
        // The token response names the access token's scope: the API's only.
        expect(tokens.scope).to.equal('files:read');
        expect(tokens.id_token).to.be.a('string');
        expect(tokens.refresh_token).to.be.a('string');
        const info = await introspector(config)(tokens.access_token);
        expect(info).to.include({ active: true, aud: STORED_API, scope: 'files:read' });

        // The grant holds files:read only: a refresh asking for files:write is refused.
        const error = await expectOAuthError(oidc.refreshTokenGrant(config, tokens.refresh_token!, { scope: 'openid files:read files:write offline_access' }), 'invalid_scope');
        expect((error as oidc.ResponseBodyError).error_description).to.equal('refresh token missing requested scope');
        const again = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
        expect((await introspector(config)(again.access_token)).scope).to.equal('files:read');
      });

      it('asks no consent again for a scope the client may not have', async () => {
        const user = await addUser(running);
        const { config } = await client(allowed);
        const first = await toConsent(config, user.email, 'openid files:read');
        await first.browser.submit(first.page, {}, 'Allow');
        // Same browser (signed in), a request naming a scope outside the allow-list too: nothing is
        // missing from the grant, so the person goes straight back to the app.
        const request = await authorizationRequest('openid files:read files:write', { resource: STORED_API });
        const page = await first.browser.get(oidc.buildAuthorizationUrl(config, request.params).href);
        expect(page.url.startsWith(REDIRECT_URI), `expected the redirect, got ${page.status} ${page.url}`).to.equal(true);
        const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), request.checks);
        expect((await introspector(config)(tokens.access_token)).scope).to.equal('files:read');
      });

      it("refuses at the code exchange an API the authorization request did not name (oidc-provider's own check)", async () => {
        const user = await addUser(running);
        const { clientId, secret, config } = await client(allowed);
        const first = await toConsent(config, user.email, 'openid files:read');
        const done = await first.browser.submit(first.page, {}, 'Allow');
        const code = new URL(done.url).searchParams.get('code')!;
        const response = await tokenRequest(running, { clientId, secret }, {
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT_URI,
          code_verifier: first.request.verifier,
          resource: STATIC_API,
        });
        expect([response.status, response.body.error]).to.deep.equal([400, 'invalid_target']);
      });
    });

    describe('refresh', () => {
      it("re-checks the client's allow-list on every refresh: narrowed, then emptied, by re-registering the client", async () => {
        const user = await addUser(running);
        const metadata = { public: true, client_id: `narrowed-${store}`, allowed_resources: { [STORED_API]: 'files:read files:write' } };
        const { config } = await client(metadata);
        const request = await authorizationRequest('openid files:read files:write offline_access', { resource: STORED_API, prompt: 'consent' });
        const browser = new Browser([new URL(REDIRECT_URI).origin]);
        let page = await browser.get(oidc.buildAuthorizationUrl(config, request.params).href);
        page = await browser.submit(page, { Email: user.email, Password: PASSWORD }, 'Sign in');
        page = await browser.submit(page, {}, 'Allow');
        const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), request.checks);
        expect(tokens.scope?.split(' ').sort()).to.deep.equal(['files:read', 'files:write']);

        // The operator takes files:write away: the same client, registered again.
        await running.latchkey.clients.remove(metadata.client_id);
        await addClient(running, { ...metadata, allowed_resources: { [STORED_API]: 'files:read' } });
        const narrowed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
        expect(narrowed.scope, 'the grant still holds files:write; the allow-list no longer does').to.equal('files:read');

        await running.latchkey.clients.remove(metadata.client_id);
        await addClient(running, { public: true, client_id: metadata.client_id });
        await expectOAuthError(oidc.refreshTokenGrant(config, narrowed.refresh_token!), 'invalid_target');
      });

      it('re-checks the API on every refresh: removed, it is refused with invalid_target', async () => {
        const identifier = 'https://refreshed.example.test';
        await running.latchkey.apis.add({ identifier, scopes: [{ name: 'r' }], accessTokenFormat: 'opaque' });
        const user = await addUser(running);
        const { config } = await client({ allowed_resources: { [identifier]: 'r' } });
        const request = await authorizationRequest('openid r offline_access', { resource: identifier, prompt: 'consent' });
        const browser = new Browser([new URL(REDIRECT_URI).origin]);
        let page = await browser.get(oidc.buildAuthorizationUrl(config, request.params).href);
        page = await browser.submit(page, { Email: user.email, Password: PASSWORD }, 'Sign in');
        page = await browser.submit(page, {}, 'Allow');
        const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), request.checks);
        const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
        expect((await introspector(config)(refreshed.access_token)).aud).to.equal(identifier);

        await running.latchkey.apis.remove(identifier);
        await expectOAuthError(oidc.refreshTokenGrant(config, refreshed.refresh_token!), 'invalid_target');
      });
    });

    describe('device code', () => {
      function poll(config: oidc.Configuration, response: oidc.DeviceAuthorizationResponse) {
        return oidc.pollDeviceAuthorizationGrant(config, { ...response, interval: 0.01 }, undefined, { signal: AbortSignal.timeout(10_000) });
      }
      const device = { public: true, redirect_uris: [], response_types: [], grant_types: [DEVICE_CODE] };

      it('refuses a device client not allowed the API with invalid_target', async () => {
        const { config } = await client(device);
        await expectOAuthError(oidc.initiateDeviceAuthorization(config, { scope: 'openid files:read', resource: STORED_API }), 'invalid_target');
      });

      it('offers and grants an allowed device client only its allowed scopes', async () => {
        const user = await addUser(running);
        const { config } = await client({ ...device, allowed_resources: { [STORED_API]: 'files:read' } });
        const response = await oidc.initiateDeviceAuthorization(config, { scope: 'openid files:read files:write', resource: STORED_API });
        const browser = new Browser();
        let page = await browser.get(response.verification_uri);
        page = await browser.submit(page, { Code: response.user_code });
        page = await browser.submit(page, {}, 'Continue');
        page = await browser.submit(page, { Email: user.email, Password: PASSWORD }, 'Sign in');
        expect(page.html).to.include('See your files').and.not.include('Change your files');
        page = await browser.submit(page, {}, 'Allow');
        expect(page.html).to.include('Device connected');
        const tokens = await poll(config, response);
        expect(tokens.scope).to.equal('files:read');
        expect((await introspector(config)(tokens.access_token))).to.include({ aud: STORED_API, scope: 'files:read' });
      });
    });

    it('refuses a public client that claims to serve an API, at registration', async () => {
      const error = await addClient(running, { public: true, serves_resources: [STORED_API] }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(Error);
      expect((error as { error_description?: string }).error_description).to.equal('serves_resources: a public client cannot act as an API');
      // And resourceServer() (a confidential client) may.
      expect((await resourceServer(running, [STORED_API])).clientId).to.be.a('string');
    });
  });
}
