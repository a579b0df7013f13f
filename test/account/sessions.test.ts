// The account console's sessions: every browser a person is signed in with, recognisable by
// browser, system and place; signing one out ends it at once, tells the apps signed in through it
// (OpenID Connect Back-Channel Logout 1.0), and ends the tokens they were given there.
import { expect } from 'chai';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { csrfOf, currentSessionId, isActive, logoutReceiver, openConsole, press, textOf } from '../support/account.ts';
import { Browser } from '../support/browser.ts';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, authorize, discover, REDIRECT_URI } from '../support/oidc.ts';
import { waitFor } from '../support/wait.ts';

const FIREFOX_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI_ON_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

for (const store of STORES) {
  describe(`account console: sessions (${store} store)`, () => {
    let running: Running;
    let receiver: Awaited<ReturnType<typeof logoutReceiver>>;
    before(async () => {
      // The app receiving logouts listens on loopback, which only this setting lets Latchkey call.
      running = await startLatchkey({ store, env: { OUTBOUND_PRIVATE_NETWORKS: 'allow' } });
      receiver = await logoutReceiver();
    });
    after(async () => {
      await receiver.close();
      await running.stop();
    });

    /** A browser with its user agent, signed in to an app that hears of logouts. */
    async function signInWith(email: string, userAgent: string, scope = 'openid email') {
      const { clientId, secret } = await addClient(running, { client_name: 'Notes', backchannel_logout_uri: receiver.uri, backchannel_logout_session_required: true });
      const config = await discover(running, clientId, secret);
      const browser = new Browser([new URL(REDIRECT_URI).origin]);
      browser.headers['user-agent'] = userAgent;
      const result = await authorize(config, email, { scope, browser, extra: scope.includes('offline_access') ? { prompt: 'consent' } : {} });
      const tokens = await oidc.authorizationCodeGrant(config, result.callback, { pkceCodeVerifier: result.verifier, expectedState: result.state, expectedNonce: result.nonce });
      return { clientId, config, browser, tokens };
    }

    it('lists every browser the person is signed in with, by browser, system and place, this one first', async () => {
      const user = await addUser(running);
      const laptop = await signInWith(user.email, FIREFOX_ON_WINDOWS);
      await signInWith(user.email, SAFARI_ON_IPHONE);
      const page = await openConsole(running, laptop.browser, '/account/sessions');
      const rows = page.doc.querySelectorAll('.row').map((r) => r.text.replace(/\s+/g, ' ').trim());
      expect(rows).to.have.length(2);
      expect(rows[0]).to.include('Firefox on Windows').and.include('This device');
      expect(rows[1]).to.include('Safari on iOS').and.not.include('This device');
      for (const row of rows) expect(row).to.include('A private network (127.0.0.1)').and.include('Notes');
    });

    it('signs another session out: it must sign in again, the app is told with a signed logout token, its tokens end, this one stays', async () => {
      const user = await addUser(running);
      const laptop = await signInWith(user.email, FIREFOX_ON_WINDOWS);
      const phone = await signInWith(user.email, SAFARI_ON_IPHONE);
      const phoneSession = await currentSessionId(running, phone.browser);
      const before = receiver.tokens.length;

      const page = await openConsole(running, laptop.browser, '/account/sessions');
      const row = page.doc.querySelectorAll('.row').find((r) => r.text.includes('Safari on iOS'))!;
      const done = await laptop.browser.navigate('POST', new URL(row.querySelector('form')!.getAttribute('action')!, page.url).href, new URLSearchParams({ _csrf: csrfOf(page) }));
      expect(textOf(done)).to.include('That session is signed out.');
      expect(done.doc.querySelectorAll('.row')).to.have.length(1);

      // The phone's browser is signed out of Latchkey, and of the console.
      const phoneAgain = await openConsole(running, phone.browser, '/account');
      expect(phoneAgain.doc.querySelector('#password'), 'the phone must sign in again').to.not.equal(null);
      // The app the phone signed in to was told, with a logout token Latchkey signed.
      await waitFor(async () => receiver.tokens.length, (n) => n > before, { what: 'a logout token' });
      const jwks = createRemoteJWKSet(new URL(`${running.url}/jwks`));
      const { payload, protectedHeader } = await jwtVerify(receiver.tokens.at(-1)!, jwks, { issuer: running.url, audience: phone.clientId, typ: 'logout+jwt' });
      expect(protectedHeader.typ).to.equal('logout+jwt');
      expect(payload.sub).to.equal(user.sub);
      expect(payload.sid).to.equal(phone.tokens.claims()!.sid);
      expect(payload.events).to.deep.equal({ 'http://schemas.openid.net/event/backchannel-logout': {} });
      expect(payload.nonce, 'a logout token carries no nonce').to.equal(undefined);
      // Its tokens, given without offline access, end with the session; the laptop's do not.
      expect(await isActive(phone.config, phone.tokens.access_token), 'the phone app’s token').to.equal(false);
      expect(await isActive(laptop.config, laptop.tokens.access_token), 'the laptop app’s token').to.equal(true);
      expect(await currentSessionId(running, laptop.browser)).to.not.equal(phoneSession);
    });

    it('keeps the access of an app that was allowed to stay connected, which the apps page still lists', async () => {
      const user = await addUser(running);
      const laptop = await signInWith(user.email, FIREFOX_ON_WINDOWS);
      const phone = await signInWith(user.email, SAFARI_ON_IPHONE, 'openid email offline_access');
      const page = await openConsole(running, laptop.browser, '/account/sessions');
      await press(laptop.browser, page, 'Sign out of all other sessions');
      expect(await isActive(phone.config, phone.tokens.access_token)).to.equal(true);
      expect((await oidc.refreshTokenGrant(phone.config, phone.tokens.refresh_token!)).access_token).to.be.a('string');
      const apps = await openConsole(running, laptop.browser, '/account/apps');
      expect(textOf(apps)).to.include('Stay connected when you are not using it');
    });

    it('signs out of every other session at once', async () => {
      const user = await addUser(running);
      const here = await signInWith(user.email, FIREFOX_ON_WINDOWS);
      const others = [await signInWith(user.email, SAFARI_ON_IPHONE), await signInWith(user.email, SAFARI_ON_IPHONE)];
      let page = await openConsole(running, here.browser, '/account/sessions');
      page = await press(here.browser, page, 'Sign out of all other sessions');
      expect(textOf(page)).to.include('Signed out of 2 other sessions.');
      expect(page.doc.querySelectorAll('.row')).to.have.length(1);
      for (const other of others) {
        expect((await openConsole(running, other.browser)).doc.querySelector('#password'), 'signed out').to.not.equal(null);
        expect(await isActive(other.config, other.tokens.access_token)).to.equal(false);
      }
      expect((await openConsole(running, here.browser)).url).to.equal(`${running.url}/account`);
    });

    it('signs this session out, to a page that says so', async () => {
      const user = await addUser(running);
      const here = await signInWith(user.email, FIREFOX_ON_WINDOWS);
      let page = await openConsole(running, here.browser, '/account/sessions');
      page = await press(here.browser, page, 'Sign out here');
      expect(page.url).to.equal(`${running.url}/account/signed-out`);
      expect(textOf(page)).to.include('Sign in to your account');
      expect((await openConsole(running, here.browser)).doc.querySelector('#password')).to.not.equal(null);
    });

    it('never ends another person’s session', async () => {
      const alice = await signInWith((await addUser(running)).email, FIREFOX_ON_WINDOWS);
      const bob = await signInWith((await addUser(running)).email, SAFARI_ON_IPHONE);
      const bobsSession = await currentSessionId(running, bob.browser);
      const page = await openConsole(running, alice.browser, '/account/sessions');
      const answer = await alice.browser.navigate('POST', `${running.url}/account/sessions/${encodeURIComponent(bobsSession)}/sign-out`, new URLSearchParams({ _csrf: csrfOf(page) }));
      expect(textOf(answer)).to.include('That session had already ended.');
      expect((await openConsole(running, bob.browser)).url).to.equal(`${running.url}/account`);
      expect(await isActive(bob.config, bob.tokens.access_token)).to.equal(true);
    });

  });
}

describe('account console: back-channel logout to a private address, by default', () => {
  let running: Running;
  let receiver: Awaited<ReturnType<typeof logoutReceiver>>;
  const lines: string[] = [];
  before(async () => {
    running = await startLatchkey({ logs: { write: (line: string) => void lines.push(line) } });
    receiver = await logoutReceiver();
  });
  after(async () => {
    await receiver.close();
    await running.stop();
  });

  it('is not sent (no request reaches loopback), and the session still ends', async () => {
    const user = await addUser(running);
    const { clientId, secret } = await addClient(running, { client_name: 'Notes', backchannel_logout_uri: receiver.uri, backchannel_logout_session_required: true });
    const config = await discover(running, clientId, secret);
    const phone = new Browser([new URL(REDIRECT_URI).origin]);
    const result = await authorize(config, user.email, { browser: phone });
    await oidc.authorizationCodeGrant(config, result.callback, { pkceCodeVerifier: result.verifier, expectedState: result.state, expectedNonce: result.nonce });
    const laptop = new Browser([new URL(REDIRECT_URI).origin]);
    await authorize(config, user.email, { browser: laptop });

    let page = await openConsole(running, laptop, '/account/sessions');
    page = await press(laptop, page, 'Sign out of all other sessions');
    expect(textOf(page)).to.include('Signed out of 1 other session.');
    // The sign-out waited for the attempt: nothing reached the receiver, and the refusal is logged.
    expect(receiver.tokens).to.deep.equal([]);
    const refused = lines.filter((l) => l.includes('back-channel logout was not accepted by the app'));
    expect(refused).to.have.length(1);
    expect(refused[0]).to.include(clientId).and.include('special-use IP address');
    expect((await openConsole(running, phone)).doc.querySelector('#password'), 'the phone must sign in again').to.not.equal(null);
  });
});
