// A second person signing in in the same browser (prompt=login over someone else's session):
// oidc-provider first ends the first person's session (it posts the logout confirmation itself),
// then finishes the second person's sign-in. Ending that session must not end the sign-in in
// progress, whatever grant it names.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { authorizationRequest } from '../support/flows.ts';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, PASSWORD, REDIRECT_URI, signIn } from '../support/oidc.ts';

for (const store of STORES) {
  describe(`a second person in the same browser (${store} store)`, () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store });
    });
    after(() => running.stop());

    it('signs in as the second person with prompt=login, and the app gets their identity', async () => {
      const first = await addUser(running);
      const second = await addUser(running);
      const { clientId, secret } = await addClient(running);
      const config = await discover(running, clientId, secret);
      const { browser } = await signIn(config, first.email, 'openid email');

      const request = await authorizationRequest('openid email', { prompt: 'login' });
      let page = await browser.get(oidc.buildAuthorizationUrl(config, request.params).href);
      expect(page.doc.querySelector('#password'), 'asked to sign in again').to.not.equal(null);
      page = await browser.submit(page, { Email: second.email, Password: PASSWORD }, 'Sign in');
      // oidc-provider's own page posts the first person's logout (a browser would run its script).
      for (let hops = 0; hops < 5 && !page.url.startsWith(REDIRECT_URI); hops++) {
        if (page.html.includes('name="decision"')) page = await browser.submit(page, {}, 'Allow');
        else page = await browser.submit(page, {});
      }
      expect(page.url.startsWith(REDIRECT_URI), `expected the app's callback, got ${page.status} ${page.url}: ${page.html.slice(0, 300)}`).to.equal(true);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url), request.checks);
      expect(tokens.claims()!.sub).to.equal(second.sub);
      expect((await oidc.fetchUserInfo(config, tokens.access_token, second.sub)).email).to.equal(second.email);
    });
  });
}
