// The account console's connected apps: a person sees every app holding access to their
// account, in the consent page's words, with when and where it last used it, and removes it with
// effect at once, everywhere.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { appNames, csrfOf, isActive, openConsole, press, textOf } from '../support/account.ts';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, expectOAuthError } from '../support/flows.ts';
import { startInstances, type Deployment } from '../support/instances.ts';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';
import { waitFor } from '../support/wait.ts';

for (const store of STORES) {
  describe(`account console: connected apps (${store} store)`, () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store });
    });
    after(() => running.stop());

    async function personWithApp(name = 'Photo Printer') {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running, { client_name: name });
      const config = await discover(running, clientId, secret);
      const signedIn = await signIn(config, user.email);
      return { user, clientId, config, ...signedIn };
    }

    it('opens on the browser’s Latchkey session, asking neither for the password nor for consent, and does not list itself', async () => {
      const { browser } = await personWithApp();
      const page = await openConsole(running, browser);
      expect(page.status).to.equal(200);
      expect(page.url).to.equal(`${running.url}/account`);
      expect(page.doc.querySelector('#password'), 'no password asked').to.equal(null);
      expect(page.html).to.not.include('name="decision"');
      expect(appNames(page)).to.include('Photo Printer');
      expect(textOf(page)).to.not.include('Your account can');
      expect(appNames(page)).to.not.include('Your account');
    });

    it('asks a browser that is not signed in to sign in, then shows the page it asked for', async () => {
      const user = await addUser(running);
      const browser = new Browser();
      let page = await openConsole(running, browser, '/account/apps');
      expect(page.doc.querySelector('#password'), 'the sign-in page').to.not.equal(null);
      page = await browser.submit(page, { Email: user.email, Password: 'correct horse battery staple' }, 'Sign in');
      expect(page.url).to.equal(`${running.url}/account/apps`);
      expect(textOf(page)).to.include('No app has access to your account.');
    });

    it('says what each app may do, in words, since when, when and from where it last used that, and how many of its tokens work', async () => {
      const { browser, config, tokens } = await personWithApp();
      await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      const page = await openConsole(running, browser, '/account/apps');
      const text = textOf(page);
      expect(text).to.include('Photo Printer');
      expect(text).to.include('rp.example.test');
      expect(text).to.include('See your email address and whether it is verified');
      expect(text).to.include('See your name and username');
      expect(text).to.include('Stay connected when you are not using it');
      expect(text).to.match(/Allowed\s*\d+ \w+ \d{4}, \d\d:\d\d UTC/);
      expect(text).to.match(/Last used\s*just now from a private network \(127\.0\.0\.1\)/);
      // The first access token, the new one and the new refresh token (the first was rotated).
      expect(text).to.include('3 tokens that work now');
    });

    it('removes an app’s access: its tokens stop working at once, refresh fails, the app must ask again, and the activity says so', async () => {
      const { browser, config, tokens, user } = await personWithApp();
      expect(await isActive(config, tokens.access_token)).to.equal(true);
      let page = await openConsole(running, browser, '/account/apps');
      page = await press(browser, page, 'Remove access for Photo Printer');
      expect(page.url).to.match(/\/account\/apps\?notice=/);
      expect(textOf(page)).to.include('The app no longer has access to your account.');
      expect(appNames(page)).to.not.include('Photo Printer');

      expect(await isActive(config, tokens.access_token), 'the access token').to.equal(false);
      await expectOAuthError(oidc.refreshTokenGrant(config, tokens.refresh_token!), 'invalid_grant');
      // Same browser, same Latchkey session: the app must ask for consent again.
      const request = await authorizationRequest('openid email');
      const asked = await browser.get(oidc.buildAuthorizationUrl(config, request.params).href);
      expect(asked.html, 'the consent page is shown again').to.include('name="decision"');

      const activity = await openConsole(running, browser, '/account/activity');
      expect(textOf(activity)).to.include("You removed Photo Printer's access");
    });

    it('never removes another person’s app, and refuses a removal without the page’s CSRF token', async () => {
      const alice = await personWithApp('Alice App');
      const bob = await personWithApp('Bob App');
      const bobsPage = await openConsole(running, bob.browser, '/account/apps');
      const bobsGrant = bobsPage.doc.querySelector('form[action$="/remove"]')!.getAttribute('action')!;

      const alicesPage = await openConsole(running, alice.browser, '/account/apps');
      const posted = await alice.browser.navigate('POST', `${running.url}${bobsGrant}`, new URLSearchParams({ _csrf: csrfOf(alicesPage) }));
      expect(textOf(posted)).to.include('That app had no access to remove.');
      expect(await isActive(bob.config, bob.tokens.access_token), 'Bob’s app keeps its access').to.equal(true);

      const forged = await bob.browser.request('POST', `${running.url}${bobsGrant}`, new URLSearchParams({ _csrf: 'forged' }));
      expect(forged.status).to.equal(403);
      expect(await isActive(bob.config, bob.tokens.access_token)).to.equal(true);
    });
  });
}

describe('account console: removing an app on one instance ends its access on every instance', function () {
  this.timeout(20_000);
  let deployment: Deployment;
  before(async () => {
    deployment = await startInstances(2);
  });
  after(() => deployment.stop());

  it('makes every instance answer active: false within a second', async () => {
    const running = deployment.instances[0]!;
    const user = await addUser(running);
    const { clientId, secret } = await addClient(running, { client_name: 'Everywhere App' });
    const config = await oidc.discovery(new URL(deployment.url), clientId, secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const { browser, tokens } = await signIn(config, user.email);
    // The proxy sends each request to the next instance: two answers are both instances'.
    expect([await isActive(config, tokens.access_token), await isActive(config, tokens.access_token)]).to.deep.equal([true, true]);

    const page = await openConsole(deployment, browser, '/account/apps');
    const removedAt = Date.now();
    await press(browser, page, 'Remove access for Everywhere App');
    await waitFor(
      async () => [await isActive(config, tokens.access_token), await isActive(config, tokens.access_token)],
      (answers) => answers.every((active) => !active),
      { within: 1_000, what: 'both instances saying active: false' },
    );
    expect(Date.now() - removedAt).to.be.below(1_000);
  });
});
