// The device authorization grant (RFC 8628): the device asks for a user code, a person enters it
// in a browser on the verification page, confirms, signs in and consents, and the device's
// polling then yields tokens.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { Browser, type Page } from '../support/browser.ts';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, PASSWORD } from '../support/oidc.ts';
import { expectOAuthError, tokenRequest } from '../support/flows.ts';

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

for (const store of STORES) {
  describe(`device authorization (${store} store)`, () => {
    let running: Running;
    let clientId: string;
    let config: oidc.Configuration;
    before(async () => {
      running = await startLatchkey({ store });
      ({ clientId } = await addClient(running, {
        public: true,
        redirect_uris: [],
        response_types: [],
        grant_types: [DEVICE_CODE, 'refresh_token'],
      }));
      config = await discover(running, clientId);
    });
    after(() => running.stop());

    /** The device's polling, without the 5 s default wait: the person has already acted. */
    function poll(response: oidc.DeviceAuthorizationResponse) {
      return oidc.pollDeviceAuthorizationGrant(config, { ...response, interval: 0.01 }, undefined, { signal: AbortSignal.timeout(10_000) });
    }

    async function enterCode(browser: Browser, response: oidc.DeviceAuthorizationResponse, code = response.user_code): Promise<Page> {
      const entry = await browser.get(response.verification_uri);
      expect(entry.status).to.equal(200);
      expect(entry.doc.querySelector('label[for="user_code"]')?.text.trim()).to.equal('Code');
      return browser.submit(entry, { Code: code });
    }

    it('issues tokens to the device once the person enters the code, confirms, signs in and consents', async () => {
      const user = await addUser(running);
      const response = await oidc.initiateDeviceAuthorization(config, { scope: 'openid email offline_access' });
      expect(response.device_code).to.be.a('string');
      expect(response.user_code).to.be.a('string');
      expect(new URL(response.verification_uri).origin).to.equal(running.url);
      expect(new URL(response.verification_uri_complete!).searchParams.get('user_code')).to.equal(response.user_code);
      expect(response.expires_in).to.be.a('number').above(0);

      // Before the person acts, the device is told to wait.
      const pending = await tokenRequest(running, { clientId }, { grant_type: DEVICE_CODE, device_code: response.device_code });
      expect(pending.status).to.equal(400);
      expect(pending.body.error).to.equal('authorization_pending');

      const browser = new Browser();
      const confirm = await enterCode(browser, response);
      expect(confirm.status).to.equal(200);
      expect(confirm.doc.querySelector('.code')?.text.trim()).to.equal(response.user_code);
      let page = await browser.submit(confirm, {}, 'Continue');
      expect(page.doc.querySelector('#password'), `expected the login form, got ${page.status} at ${page.url}`).to.not.equal(null);
      page = await browser.submit(page, { Email: user.email, Password: PASSWORD }, 'Sign in');
      expect(page.html, 'the consent page').to.include('name="decision"');
      page = await browser.submit(page, {}, 'Allow');
      expect(page.status).to.equal(200);
      expect(page.html).to.include('Device connected');

      const tokens = await poll(response);
      expect(tokens.access_token).to.be.a('string');
      expect(tokens.refresh_token).to.be.a('string');
      expect(tokens.claims()!.sub).to.equal(user.sub);
      const info = await oidc.fetchUserInfo(config, tokens.access_token, user.sub);
      expect(info.email).to.equal(user.email);

      // The device code is single use.
      const again = await tokenRequest(running, { clientId }, { grant_type: DEVICE_CODE, device_code: response.device_code });
      expect(again.status).to.equal(400);
      expect(again.body.error).to.equal('invalid_grant');
    });

    it('shows the code page again, with an error, for a wrong user code', async () => {
      const response = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
      const browser = new Browser();
      const page = await enterCode(browser, response, 'WRONG-CODE');
      expect(page.status).to.equal(400);
      expect(page.doc.querySelector('#code-error')?.text.trim()).to.match(/not valid or has expired/);
      expect(page.doc.querySelector('label[for="user_code"]')?.text.trim(), 'the code field again').to.equal('Code');
      expect(page.doc.querySelector('#user_code')?.getAttribute('aria-invalid')).to.equal('true');

      // The person corrects the code on the same page and carries on.
      const confirm = await browser.submit(page, { Code: response.user_code });
      expect(confirm.doc.querySelector('.code')?.text.trim()).to.equal(response.user_code);
    });

    it('gives the device access_denied when the person presses Cancel', async () => {
      const response = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
      const browser = new Browser();
      const confirm = await enterCode(browser, response);
      const page = await browser.submit(confirm, {}, 'Cancel');
      expect(page.doc.querySelector('#code-error')?.text.trim()).to.equal('The sign-in request was cancelled.');
      await expectOAuthError(poll(response), 'access_denied');
    });
  });
}
