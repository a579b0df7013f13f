// offline_access without prompt=consent (provider/offline-access.ts): the first request asks on
// the consent page, naming it; once the person has allowed it, a request for offline_access gets
// a refresh token without the consent page; an app's own prompt=consent is still honoured.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, PASSWORD, REDIRECT_URI } from '../support/oidc.ts';
import { rpBrowser } from '../support/flows.ts';
import type { Browser } from '../support/browser.ts';
import { OFFLINE_MARKER } from '../../server/provider/offline-access.ts';

const STAY_CONNECTED = 'Stay connected when you are not using the app';

for (const store of STORES) {
  describe(`offline_access without prompt=consent (${store} store)`, () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store });
    });
    after(() => running.stop());

    /** One authorization request in `browser`; the consent page shown (if any) and the tokens. */
    async function request(config: oidc.Configuration, browser: Browser, email: string, scope: string, extra: Record<string, string> = {}) {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI, scope, state, nonce, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
      });
      let page = await browser.get(url.href);
      if (page.doc.querySelector('#password')) page = await browser.submit(page, { Email: email, Password: PASSWORD }, 'Sign in');
      let consent: string | undefined;
      if (page.html.includes('name="decision"')) {
        consent = page.doc.querySelector('ul.perms')!.text;
        page = await browser.submit(page, {}, 'Allow');
      }
      expect(page.url.startsWith(REDIRECT_URI), `expected a redirect to the client, got ${page.status} ${page.url}`).to.equal(true);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
      return { consent, tokens };
    }

    it('asks on the consent page the first time, naming it, and issues a refresh token', async () => {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running);
      const config = await discover(running, clientId, secret);
      const { consent, tokens } = await request(config, rpBrowser(), user.email, 'openid email offline_access');
      expect(consent).to.include(STAY_CONNECTED);
      expect(tokens.refresh_token).to.be.a('string');
      expect(tokens.scope?.split(' ')).to.include('offline_access');
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.access_token).to.be.a('string');
    });

    it('issues a refresh token without the consent page once the person has allowed it', async () => {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running);
      const config = await discover(running, clientId, secret);
      const browser = rpBrowser();
      await request(config, browser, user.email, 'openid email offline_access');
      const again = await request(config, browser, user.email, 'openid email offline_access');
      expect(again.consent, 'no consent page').to.equal(undefined);
      expect(again.tokens.refresh_token).to.be.a('string');
    });

    it('asks for offline access alone when the person allowed the app everything else before', async () => {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running);
      const config = await discover(running, clientId, secret);
      const browser = rpBrowser();
      const first = await request(config, browser, user.email, 'openid email');
      expect(first.tokens.refresh_token).to.equal(undefined);
      const second = await request(config, browser, user.email, 'openid email offline_access');
      expect(second.consent).to.include(STAY_CONNECTED);
      expect(second.consent).to.not.include('email address');
      expect(second.tokens.refresh_token).to.be.a('string');
    });

    it("still shows the consent page when the app itself sends prompt=consent, whatever marker it adds", async () => {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running);
      const config = await discover(running, clientId, secret);
      const browser = rpBrowser();
      await request(config, browser, user.email, 'openid offline_access');
      for (const extra of [{ prompt: 'consent' }, { prompt: 'consent', [OFFLINE_MARKER]: '1' }] as Record<string, string>[]) {
        const forced = await request(config, browser, user.email, 'openid offline_access', extra);
        expect(forced.consent, JSON.stringify(extra)).to.be.a('string');
        expect(forced.tokens.refresh_token).to.be.a('string');
      }
    });

    it('issues no refresh token to a client not allowed the refresh_token grant', async () => {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running, { grant_types: ['authorization_code'] });
      const config = await discover(running, clientId, secret);
      const { tokens } = await request(config, rpBrowser(), user.email, 'openid offline_access');
      expect(tokens.refresh_token).to.equal(undefined);
    });
  });
}
