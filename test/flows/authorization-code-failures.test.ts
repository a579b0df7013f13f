// The authorization code flow when something is wrong: PKCE, code reuse and races, redirect URIs,
// client authentication, expiry, disabled users, and the login form's answers to bad credentials.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, authorize, discover, PASSWORD, REDIRECT_URI, signIn } from '../support/oidc.ts';
import {
  authorizationRequest,
  concurrently,
  expectOAuthError,
  introspector,
  rpBrowser,
  sleep,
  tokenRequest,
  walkAuthorization,
} from '../support/flows.ts';

const LOGIN_FAILED = 'Incorrect email or password.';
const ATTACKER = 'https://attacker.example.test';

for (const store of STORES) {
  describe(`authorization code failures (${store} store)`, () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store });
    });
    after(() => running.stop());

    describe('PKCE', () => {
      it('rejects the code with invalid_grant when the code verifier is wrong', async () => {
        const user = await addUser(running);
        const { clientId, secret } = await addClient(running);
        const config = await discover(running, clientId, secret);
        const { callback, state, nonce } = await authorize(config, user.email);
        await expectOAuthError(
          oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: state, expectedNonce: nonce }),
          'invalid_grant',
        );
      });

      for (const kind of ['public', 'confidential'] as const) {
        it(`refuses an authorization request without a code challenge from a ${kind} client`, async () => {
          const user = await addUser(running);
          const { clientId, secret } = await addClient(running, { public: kind === 'public' });
          const config = await discover(running, clientId, secret);
          const state = oidc.randomState();
          const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state });
          const page = await walkAuthorization(rpBrowser(), url, user.email);
          expect(page.url.startsWith(REDIRECT_URI), `expected an error redirect, got ${page.status} ${page.url}`).to.equal(true);
          const callback = new URL(page.url);
          expect(callback.searchParams.get('error')).to.equal('invalid_request');
          expect(callback.searchParams.get('error_description')).to.match(/PKCE/i);
          expect(callback.searchParams.get('state')).to.equal(state);
          expect(callback.searchParams.get('iss')).to.equal(running.url);
          expect(callback.searchParams.has('code')).to.equal(false);
        });
      }
    });

    describe('code reuse', () => {
      it('refuses a second redemption and revokes the tokens of the first', async () => {
        const user = await addUser(running);
        const { clientId, secret } = await addClient(running);
        const config = await discover(running, clientId, secret);
        const api = { introspect: introspector(config) };
        const { callback, verifier, state, nonce } = await authorize(config, user.email, { scope: 'openid email offline_access', extra: { prompt: 'consent' } });
        const checks = { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce };
        const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
        expect((await api.introspect(tokens.access_token)).active).to.equal(true);

        await expectOAuthError(oidc.authorizationCodeGrant(config, callback, checks), 'invalid_grant');

        expect((await api.introspect(tokens.access_token, 'access_token')).active).to.equal(false);
        expect((await api.introspect(tokens.refresh_token!, 'refresh_token')).active).to.equal(false);
        await expectOAuthError(oidc.refreshTokenGrant(config, tokens.refresh_token!), 'invalid_grant');
        await expectOAuthError(oidc.fetchUserInfo(config, tokens.access_token, user.sub), 'invalid_token');
      });

      it('lets exactly one of 50 concurrent redemptions of one code succeed', async () => {
        const user = await addUser(running);
        const client = await addClient(running);
        const config = await discover(running, client.clientId, client.secret);
        const { callback, verifier } = await authorize(config, user.email);
        const code = callback.searchParams.get('code')!;
        const { successes, failures } = await concurrently(50, () =>
          tokenRequest(running, client, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI }),
        );
        expect(failures.filter((f) => f.status >= 500), 'no server errors').to.deep.equal([]);
        expect(successes).to.have.length(1);
        expect(successes[0]!.body.access_token).to.be.a('string');
        for (const failure of failures) {
          expect(failure.status).to.equal(400);
          expect(failure.body.error).to.equal('invalid_grant');
        }
      });
    });

    describe('redirect_uri', () => {
      it('shows an error page, and never redirects, when the redirect_uri is not registered', async () => {
        const { clientId, secret } = await addClient(running);
        const config = await discover(running, clientId, secret);
        const { params } = await authorizationRequest('openid', { redirect_uri: `${ATTACKER}/steal` });
        const url = oidc.buildAuthorizationUrl(config, params);
        const browser = rpBrowser(ATTACKER);
        const response = await browser.request('GET', url.href);
        const html = await response.text();
        expect(response.headers.get('location'), 'no redirect at all').to.equal(null);
        expect(response.status).to.equal(400);
        expect(response.headers.get('content-type')).to.match(/text\/html/);
        expect(html).to.include('invalid_redirect_uri');
        expect(html).to.not.include(ATTACKER);
      });

      it('refuses the code at the token endpoint when redirect_uri differs from the authorization request', async () => {
        const user = await addUser(running);
        const { clientId, secret } = await addClient(running, { redirect_uris: [REDIRECT_URI, 'https://rp.example.test/other'] });
        const config = await discover(running, clientId, secret);
        const { callback, verifier, state, nonce } = await authorize(config, user.email);
        // openid-client sends the callback URL (without its query) as redirect_uri.
        const elsewhere = new URL(`https://rp.example.test/other${callback.search}`);
        await expectOAuthError(
          oidc.authorizationCodeGrant(config, elsewhere, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }),
          'invalid_grant',
        );
      });
    });

    it('answers invalid_client when the client secret is wrong', async () => {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running);
      const good = await discover(running, clientId, secret);
      const { callback, verifier, state, nonce } = await authorize(good, user.email);
      const bad = await discover(running, clientId, `${secret}x`);
      await expectOAuthError(
        oidc.authorizationCodeGrant(bad, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }),
        'invalid_client',
      );
      // The raw answer is a 401, as RFC 6749 §5.2 asks for failed Basic authentication.
      const raw = await tokenRequest(running, { clientId, secret: `${secret}x` }, {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
      });
      expect(raw.status).to.equal(401);
      expect(raw.body.error).to.equal('invalid_client');
    });

    describe('disabled user', () => {
      it('stops refresh, userinfo and new sign-ins once the user is disabled', async () => {
        const user = await addUser(running);
        const { clientId, secret } = await addClient(running);
        const config = await discover(running, clientId, secret);
        const { tokens } = await signIn(config, user.email);
        expect((await oidc.fetchUserInfo(config, tokens.access_token, user.sub)).sub).to.equal(user.sub);

        await running.latchkey.users.setDisabled(user.email, true);

        await expectOAuthError(oidc.refreshTokenGrant(config, tokens.refresh_token!), 'invalid_grant');
        await expectOAuthError(oidc.fetchUserInfo(config, tokens.access_token, user.sub), 'invalid_token');

        const { params } = await authorizationRequest();
        const browser = rpBrowser();
        const login = await browser.get(oidc.buildAuthorizationUrl(config, params).href);
        const page = await browser.submit(login, { Email: user.email, Password: PASSWORD }, 'Sign in');
        expect(page.status).to.equal(401);
        expect(page.doc.querySelector('#login-error')?.text.trim()).to.equal(LOGIN_FAILED);
      });

      it('asks a browser still signed in as the disabled user to sign in again (no code, no 500)', async () => {
        const user = await addUser(running);
        const { clientId, secret } = await addClient(running);
        const config = await discover(running, clientId, secret);
        const { browser } = await signIn(config, user.email, 'openid email');
        await running.latchkey.users.setDisabled(user.email, true);

        const { params } = await authorizationRequest('openid email');
        const page = await browser.get(oidc.buildAuthorizationUrl(config, params).href);
        const code = page.url.startsWith(REDIRECT_URI) ? new URL(page.url).searchParams.get('code') : null;
        expect(code, `a disabled user's session got a code: ${page.url}`).to.equal(null);
        // The session's account is gone: the person is asked to sign in again (not a 500).
        expect(page.status, `expected the login page, got ${page.status} at ${page.url}`).to.equal(200);
        expect(page.doc.querySelector('#password'), 'the login form is shown').to.not.equal(null);
        const retry = await browser.submit(page, { Email: user.email, Password: PASSWORD }, 'Sign in');
        expect(retry.status).to.equal(401);
        expect(retry.doc.querySelector('#login-error')?.text.trim()).to.equal(LOGIN_FAILED);
      });
    });

    describe('login form', () => {
      it('answers a wrong password with the generic message and a 401, then accepts the right one', async () => {
        const user = await addUser(running);
        const { clientId, secret } = await addClient(running);
        const config = await discover(running, clientId, secret);
        const { params, checks } = await authorizationRequest();
        const browser = rpBrowser();
        const login = await browser.get(oidc.buildAuthorizationUrl(config, params).href);

        const failed = await browser.submit(login, { Email: user.email, Password: 'wrong password' }, 'Sign in');
        expect(failed.status).to.equal(401);
        expect(failed.doc.querySelector('#login-error')?.text.trim()).to.equal(LOGIN_FAILED);
        expect(failed.doc.querySelector('#email')?.getAttribute('value'), 'the email is kept').to.equal(user.email);
        expect(failed.html).to.not.include('wrong password');

        let page = await browser.submit(failed, { Email: user.email, Password: PASSWORD }, 'Sign in');
        if (page.html.includes('name="decision"')) page = await browser.submit(page, {}, 'Allow');
        expect(page.url.startsWith(REDIRECT_URI), `expected the callback, got ${page.status} ${page.url}`).to.equal(true);
        const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), checks);
        expect(tokens.claims()!.sub).to.equal(user.sub);
      });

      it('answers an unknown email with exactly the same message and status', async () => {
        const { clientId, secret } = await addClient(running);
        const config = await discover(running, clientId, secret);
        const { params } = await authorizationRequest();
        const browser = new Browser();
        const login = await browser.get(oidc.buildAuthorizationUrl(config, params).href);
        const page = await browser.submit(login, { Email: 'nobody@example.test', Password: PASSWORD }, 'Sign in');
        expect(page.status).to.equal(401);
        expect(page.doc.querySelector('#login-error')?.text.trim()).to.equal(LOGIN_FAILED);
      });
    });
  });

  describe(`authorization code expiry (${store} store)`, () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store, env: { AUTHORIZATION_CODE_TTL: '1' } });
    });
    after(() => running.stop());

    it('refuses a code redeemed after AUTHORIZATION_CODE_TTL', async () => {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running);
      const config = await discover(running, clientId, secret);
      const { callback, verifier, state, nonce } = await authorize(config, user.email);
      await sleep(2200);
      await expectOAuthError(
        oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }),
        'invalid_grant',
      );
    });
  });
}
