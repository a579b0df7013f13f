// Pushed authorization requests (RFC 9126), DPoP (RFC 9449), RP-initiated logout (OpenID Connect
// RP-Initiated Logout 1.0), and the `iss` authorization response parameter (RFC 9207).
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, authorize, discover, REDIRECT_URI, signIn } from '../support/oidc.ts';
import { authorizationRequest, expectOAuthError, introspector, rpBrowser, walkAuthorization } from '../support/flows.ts';

const POST_LOGOUT_URI = 'https://rp.example.test/logged-out';

for (const store of STORES) {
  describe(`PAR, DPoP and logout (${store} store)`, () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store });
    });
    after(() => running.stop());

    async function rp(options: { public?: boolean } = {}) {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running, { public: options.public, post_logout_redirect_uris: [POST_LOGOUT_URI] });
      const config = await discover(running, clientId, secret);
      return { user, clientId, config };
    }

    describe('pushed authorization requests', () => {
      it('runs the whole flow from a pushed request', async () => {
        const { user, config } = await rp();
        const { params, checks } = await authorizationRequest();
        const url = await oidc.buildAuthorizationUrlWithPAR(config, params);
        expect(url.searchParams.get('request_uri')).to.match(/^urn:ietf:params:oauth:request_uri:/);
        expect(url.searchParams.has('code_challenge'), 'the parameters travel in the push, not the URL').to.equal(false);
        const page = await walkAuthorization(rpBrowser(), url, user.email);
        expect(page.url.startsWith(REDIRECT_URI), `expected the callback, got ${page.status} ${page.url}`).to.equal(true);
        const callback = new URL(page.url);
        expect(callback.searchParams.get('iss')).to.equal(running.url);
        const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
        expect(tokens.claims()!.sub).to.equal(user.sub);
      });

      it('refuses a request_uri used a second time', async () => {
        const { user, config } = await rp();
        const { params } = await authorizationRequest();
        const url = await oidc.buildAuthorizationUrlWithPAR(config, params);
        const first = await walkAuthorization(rpBrowser(), url, user.email);
        expect(new URL(first.url).searchParams.has('code')).to.equal(true);

        // The client is known and its redirect URI registered, so the error goes back to it.
        const second = await rpBrowser().get(url.href);
        expect(second.url.startsWith(REDIRECT_URI), `got ${second.status} at ${second.url}`).to.equal(true);
        const callback = new URL(second.url);
        expect(callback.searchParams.get('error')).to.equal('invalid_request_uri');
        expect(callback.searchParams.get('iss')).to.equal(running.url);
        expect(callback.searchParams.has('code'), 'no second code').to.equal(false);
      });

      it('refuses a pushed request without PKCE', async () => {
        const { config } = await rp();
        await expectOAuthError(oidc.buildAuthorizationUrlWithPAR(config, { redirect_uri: REDIRECT_URI, scope: 'openid' }), 'invalid_request');
      });
    });

    describe('DPoP', () => {
      it('binds tokens to the key: DPoP token_type, userinfo with proof works, the token as Bearer fails', async () => {
        const { user, config } = await rp();
        const DPoP = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
        const { callback, verifier, state, nonce } = await authorize(config, user.email);
        expect(callback.searchParams.get('iss')).to.equal(running.url);
        const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }, undefined, { DPoP });
        expect(tokens.token_type.toLowerCase()).to.equal('dpop');

        const info = await oidc.fetchUserInfo(config, tokens.access_token, user.sub, { DPoP });
        expect(info.sub).to.equal(user.sub);

        // Without the proof, as a plain bearer token, the same access token is refused.
        await expectOAuthError(oidc.fetchUserInfo(config, tokens.access_token, user.sub), 'invalid_token');
        const raw = await fetch(config.serverMetadata().userinfo_endpoint!, { headers: { authorization: `Bearer ${tokens.access_token}` } });
        expect(raw.status).to.equal(401);

        // A proof from another key does not help either.
        const thief = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
        await expectOAuthError(oidc.fetchUserInfo(config, tokens.access_token, user.sub, { DPoP: thief }), 'invalid_token');

        const introspection = await introspector(config)(tokens.access_token);
        expect(introspection.active).to.equal(true);
        expect(introspection.token_type).to.equal('DPoP');
        expect((introspection.cnf as { jkt?: string } | undefined)?.jkt).to.be.a('string');
      });

      it('binds a public client\'s refresh token to the key', async () => {
        const { user, config } = await rp({ public: true });
        const DPoP = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
        const { callback, verifier, state, nonce } = await authorize(config, user.email, { scope: 'openid offline_access', extra: { prompt: 'consent' } });
        const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }, undefined, { DPoP });
        expect(tokens.refresh_token).to.be.a('string');
        await expectOAuthError(oidc.refreshTokenGrant(config, tokens.refresh_token!), 'invalid_grant');
        const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP });
        expect(refreshed.token_type.toLowerCase()).to.equal('dpop');
      });
    });

    describe('RP-initiated logout', () => {
      it('confirms, signs the person out, returns to the post-logout URI, and the next authorize asks for login', async () => {
        const { user, config } = await rp();
        const { tokens, browser, callback } = await signIn(config, user.email, 'openid email');
        expect(callback.searchParams.get('iss')).to.equal(running.url);

        // Signed in: a second authorization goes straight back to the client.
        const { params: again } = await authorizationRequest('openid email');
        const silent = await browser.get(oidc.buildAuthorizationUrl(config, again).href);
        expect(silent.url.startsWith(REDIRECT_URI), 'the session is live before logout').to.equal(true);

        const state = oidc.randomState();
        const endSession = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state });
        const confirm = await browser.get(endSession.href);
        expect(confirm.status).to.equal(200);
        expect(confirm.doc.querySelector('h1')?.text.trim()).to.equal('Sign out?');
        const done = await browser.submit(confirm, {}, 'Sign out');
        expect(done.url.startsWith(POST_LOGOUT_URI), `expected the post-logout redirect, got ${done.status} ${done.url}`).to.equal(true);
        expect(new URL(done.url).searchParams.get('state')).to.equal(state);

        const { params } = await authorizationRequest('openid email');
        const next = await browser.get(oidc.buildAuthorizationUrl(config, params).href);
        expect(next.url.startsWith(REDIRECT_URI), 'no silent sign-in after logout').to.equal(false);
        expect(next.doc.querySelector('#password'), 'the login form').to.not.equal(null);
      });

      it('keeps the session when the person chooses to stay signed in', async () => {
        const { user, config } = await rp();
        const { tokens, browser } = await signIn(config, user.email, 'openid');
        const endSession = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI });
        const confirm = await browser.get(endSession.href);
        await browser.submit(confirm, {}, 'Stay signed in');
        const { params } = await authorizationRequest('openid');
        let next = await browser.get(oidc.buildAuthorizationUrl(config, params).href);
        // Still signed in to Latchkey: no password asked. (oidc-provider does end this client's
        // part of the session, revoking its grant, so consent may be asked again.)
        expect(next.doc.querySelector('#password'), `asked to sign in again at ${next.url}`).to.equal(null);
        if (next.html.includes('name="decision"')) next = await browser.submit(next, {}, 'Allow');
        expect(next.url.startsWith(REDIRECT_URI), `got ${next.status} ${next.url}`).to.equal(true);
        expect(new URL(next.url).searchParams.has('code')).to.equal(true);
      });

      it('refuses a post_logout_redirect_uri that is not registered', async () => {
        const { user, config } = await rp();
        const { tokens, browser } = await signIn(config, user.email, 'openid');
        const endSession = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://attacker.example.test/' });
        const response = await browser.request('GET', endSession.href);
        expect(response.headers.get('location')).to.equal(null);
        expect(response.status).to.equal(400);
        // In plain words on the page; the library's "post_logout_redirect_uri not registered" is
        // the operator log's (test/observability/refusals.test.ts).
        const html = await response.text();
        expect(html).to.include('invalid_request').and.include('The app sent a request we cannot accept');
        expect(html).to.not.include('attacker.example.test');
      });
    });

    describe('iss authorization response parameter (RFC 9207)', () => {
      it('is advertised, and sent on success and error callbacks', async () => {
        const { user, config } = await rp();
        expect(config.serverMetadata().authorization_response_iss_parameter_supported).to.equal(true);

        const ok = await authorize(config, user.email);
        expect(ok.callback.searchParams.get('iss')).to.equal(running.url);
        expect(ok.callback.searchParams.has('code')).to.equal(true);

        const denied = await authorize(config, user.email, { consent: 'Deny', extra: { prompt: 'consent' } });
        expect(denied.callback.searchParams.get('error')).to.equal('access_denied');
        expect(denied.callback.searchParams.get('iss')).to.equal(running.url);

        const noPkce = await rpBrowser().get(oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid' }).href);
        expect(new URL(noPkce.url).searchParams.get('error')).to.equal('invalid_request');
        expect(new URL(noPkce.url).searchParams.get('iss')).to.equal(running.url);
      });
    });
  });
}
