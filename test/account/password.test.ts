// Changing the password in the account console: a fresh sign-in first (max_age), the current
// password checked (and throttled like any sign-in), the policy's rules, and by default the end of
// every other session and of the access of apps that stayed connected.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { csrfOf, isActive, openConsole, textOf } from '../support/account.ts';
import { Browser, type Page } from '../support/browser.ts';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, authorize, discover, PASSWORD, REDIRECT_URI, signIn } from '../support/oidc.ts';

const NEW_PASSWORD = 'a brand new horse battery staple';
const SIGN_OUT_LABEL = 'Also sign out everywhere else, and make apps that stay connected ask me again';

for (const store of STORES) {
  describe(`account console: password (${store} store)`, () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ store });
    });
    after(() => running.stop());

    /** A person signed in to an app that stays connected (offline access) in one browser. */
    async function person() {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running, { client_name: 'Notes' });
      const config = await discover(running, clientId, secret);
      return { user, config, ...(await signIn(config, user.email)) };
    }

    /** Moves a session's sign-in back in time, as if it happened `seconds` ago. */
    async function signedInAgo(sub: string, seconds: number) {
      const now = Math.floor(Date.now() / 1000);
      for (const { model, payload } of await running.latchkey.records.owned('account', sub)) {
        if (model !== 'Session') continue;
        await running.latchkey.records.upsert('Session', String(payload.jti), { ...payload, loginTs: now - seconds }, Number(payload.exp) - now);
      }
    }

    const change = (browser: Browser, form: Page, fields: Record<string, string>) =>
      browser.submit(form, { 'Current password': PASSWORD, 'New password': NEW_PASSWORD, 'New password, again': NEW_PASSWORD, ...fields }, 'Change password');

    const canSignIn = async (email: string, password: string) => (await running.latchkey.users.authenticate(email, password)) !== undefined;

    it('asks for the password again when the last sign-in is more than five minutes old, then shows the form', async () => {
      const { user, browser } = await person();
      expect(textOf(await openConsole(running, browser, '/account/password'))).to.include('Current password');
      await signedInAgo(user.sub, 301);
      let page = await openConsole(running, browser, '/account/password');
      expect(page.doc.querySelector('#password'), 'the sign-in page, though the browser is signed in').to.not.equal(null);
      page = await browser.submit(page, { Email: user.email, Password: PASSWORD }, 'Sign in');
      expect(page.url).to.equal(`${running.url}/account/password`);
      expect(textOf(page)).to.include('Current password');
      // A stale session cannot post the form either: it is sent to sign in first.
      await signedInAgo(user.sub, 301);
      const csrf = csrfOf(await openConsole(running, browser, '/account/sessions'));
      const posted = await browser.request('POST', `${running.url}/account/password`, new URLSearchParams({ _csrf: csrf, current: PASSWORD, password: NEW_PASSWORD, confirm: NEW_PASSWORD }));
      expect(posted.status).to.equal(302);
      expect(posted.headers.get('location')).to.equal('/account/login?back=%2Faccount&fresh=1');
      expect(await canSignIn(user.email, PASSWORD), 'the password is unchanged').to.equal(true);
    });

    it('says what to do about a wrong current password, two different new ones, or a weak one; nothing changes', async () => {
      const { user, browser } = await person();
      const form = await openConsole(running, browser, '/account/password');
      let page = await change(browser, form, { 'Current password': 'not my password at all' });
      expect(page.status).to.equal(400);
      expect(textOf(page)).to.include('Your current password is not right. Type it again.');
      page = await change(browser, page, { 'New password, again': `${NEW_PASSWORD}!` });
      expect(textOf(page)).to.include('The two new passwords are not the same.');
      page = await change(browser, page, { 'New password': 'password1', 'New password, again': 'password1' });
      expect(page.status).to.equal(400);
      expect(page.doc.querySelector('[role="alert"]')?.text).to.match(/common|guess/i).and.not.include('password1');
      expect(await canSignIn(user.email, PASSWORD)).to.equal(true);
    });

    it('changes it, and by default signs out everywhere else and ends the access of apps that stayed connected', async () => {
      const here = await person();
      const other = new Browser([new URL(REDIRECT_URI).origin]);
      const { clientId, secret } = await addClient(running, { client_name: 'Photo Printer' });
      const otherConfig = await discover(running, clientId, secret);
      const result = await authorize(otherConfig, here.user.email, { browser: other });
      const otherTokens = await oidc.authorizationCodeGrant(otherConfig, result.callback, { pkceCodeVerifier: result.verifier, expectedState: result.state, expectedNonce: result.nonce });

      const form = await openConsole(running, here.browser, '/account/password');
      expect(form.doc.querySelector('#signOutOthers')?.getAttribute('checked'), 'ticked by default').to.not.equal(undefined);
      const page = await change(here.browser, form, {});
      expect(page.url).to.match(/\/account\?notice=/);
      expect(textOf(page)).to.include('Your password is changed. Signed out of 1 other session, and 1 app that stayed connected must ask you again.');
      expect(await canSignIn(here.user.email, NEW_PASSWORD)).to.equal(true);
      expect(await canSignIn(here.user.email, PASSWORD)).to.equal(false);
      expect((await openConsole(running, other)).doc.querySelector('#password'), 'the other browser must sign in again').to.not.equal(null);
      expect(await isActive(otherConfig, otherTokens.access_token), 'tokens of the other session').to.equal(false);
      expect(await isActive(here.config, here.tokens.refresh_token!), 'the app that stayed connected').to.equal(false);
      expect((await openConsole(running, here.browser)).url, 'this browser stays signed in').to.equal(`${running.url}/account`);
      expect(textOf(await openConsole(running, here.browser, '/account/activity'))).to.include('Your password was changed');
    });

    it('leaves the other sessions and apps alone when the box is unticked', async () => {
      const here = await person();
      const page = await change(here.browser, await openConsole(running, here.browser, '/account/password'), { [SIGN_OUT_LABEL]: '' });
      expect(textOf(page)).to.include('Your password is changed.').and.not.include('Signed out');
      expect(await isActive(here.config, here.tokens.refresh_token!)).to.equal(true);
      expect(await canSignIn(here.user.email, NEW_PASSWORD)).to.equal(true);
    });

    it('refuses a form without its CSRF token', async () => {
      const here = await person();
      const answer = await here.browser.request('POST', `${running.url}/account/password`, new URLSearchParams({ current: PASSWORD, password: NEW_PASSWORD, confirm: NEW_PASSWORD, signOutOthers: 'yes' }));
      expect(answer.status).to.equal(403);
      expect(await canSignIn(here.user.email, PASSWORD)).to.equal(true);
    });

    it('counts wrong current passwords like wrong sign-ins: past the budget, a wait with Retry-After', async () => {
      const here = await person();
      let page = await openConsole(running, here.browser, '/account/password');
      const statuses: number[] = [];
      for (let i = 0; i < 20 && !statuses.includes(429); i++) {
        page = await change(here.browser, page, { 'Current password': `wrong guess ${i}` });
        statuses.push(page.status);
      }
      expect(statuses.slice(0, 10)).to.deep.equal(Array(10).fill(400));
      expect(statuses).to.include(429);
      expect(Number(page.headers.get('retry-after'))).to.be.greaterThan(0);
      expect(textOf(page)).to.include('Too many wrong passwords. Wait');
    });
  });
}
