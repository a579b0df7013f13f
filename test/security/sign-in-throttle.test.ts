// Brute-force protection of the sign-in form, over real HTTP: growing delays per account and
// address, a refusal that says what to do (429, Retry-After), the same answers for an email no
// account has, and an owner whose known browser gets in while strangers guess at the account.
// Addresses come from X-Forwarded-For, as behind the trusted proxy of a deployment.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { Browser, type Page } from '../support/browser.ts';
import { authorizationRequest, sleep } from '../support/flows.ts';
import { startInstances, type Deployment } from '../support/instances.ts';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, PASSWORD, REDIRECT_URI, uniqueId } from '../support/oidc.ts';

for (const store of STORES) {
  describe(`sign-in throttling (${store} store)`, function () {
    this.timeout(60_000);
    let running: Running;
    let config: oidc.Configuration;
    before(async () => {
      running = await startLatchkey({ store, env: { TRUST_PROXY: 'true' } });
      const { clientId, secret } = await addClient(running);
      config = await discover(running, clientId, secret);
    });
    after(() => running.stop());

    let lastOctet = 0;
    /** A fresh address in a network of its own: no counter but the account's is shared. */
    const freshAddress = () => `198.${18 + Math.floor(++lastOctet / 250)}.${lastOctet % 250}.7`;

    function browserAt(ip: string): Browser {
      const browser = new Browser([new URL(REDIRECT_URI).origin]);
      browser.headers = { 'x-forwarded-for': ip };
      return browser;
    }

    async function loginPage(browser: Browser): Promise<Page> {
      const { params } = await authorizationRequest('openid');
      const page = await browser.get(oidc.buildAuthorizationUrl(config, params).href);
      expect(page.doc.querySelector('#password'), `the login page, got ${page.status}`).to.not.equal(null);
      return page;
    }

    const attempt = (browser: Browser, page: Page, email: string, password: string) => browser.submit(page, { Email: email, Password: password }, 'Sign in');
    const signedIn = (page: Page) => page.url.startsWith(REDIRECT_URI) || page.html.includes('name="decision"');
    const message = (page: Page) => page.doc.querySelector('#login-error')?.text.trim() ?? '';

    /** Wrong passwords one after the other from one browser: what each answered. */
    async function guesses(browser: Browser, email: string, count: number) {
      let page = await loginPage(browser);
      const answers: { status: number; retryAfter: string | null; message: string; ms: number }[] = [];
      for (let i = 0; i < count; i++) {
        const started = performance.now();
        page = await attempt(browser, page, email, `wrong password ${i}`);
        answers.push({ status: page.status, retryAfter: page.headers.get('retry-after'), message: message(page), ms: performance.now() - started });
      }
      return { page, answers };
    }

    it('grows the delay per account and address, then refuses with 429, Retry-After and words to act on', async () => {
      const user = await addUser(running);
      const browser = browserAt(freshAddress());
      const { page, answers } = await guesses(browser, user.email, 8);
      expect(answers.map((a) => a.status)).to.deep.equal([401, 401, 401, 401, 401, 401, 401, 429]);
      // Five free failures, then a 1 s cooldown: the seventh waited it out inside the request.
      expect(answers[6]!.ms).to.be.at.least(500);
      expect(answers.slice(0, 7).every((a) => a.retryAfter === null && a.message === 'Incorrect email or password.')).to.equal(true);
      const refused = answers[7]!;
      expect(refused.retryAfter).to.equal('2');
      expect(refused.message).to.match(/^Too many attempts to sign in\. Wait 2 seconds and try again\. If you did not make these attempts, someone else may be trying to guess a password/);
      expect(page.doc.querySelector('#password'), 'the form is there to try again').to.not.equal(null);

      // Once the wait is over, the right password gets in, and the failures are forgotten.
      await sleep(Number(refused.retryAfter) * 1000);
      expect(signedIn(await attempt(browser, page, user.email, PASSWORD)), 'signed in after waiting').to.equal(true);
      const after = await guesses(browserAt(browser.headers['x-forwarded-for']!), user.email, 5);
      expect(after.answers.map((a) => a.status)).to.deep.equal([401, 401, 401, 401, 401]);
    });

    it('answers exactly the same for an email that no account has', async () => {
      const user = await addUser(running);
      const known = await guesses(browserAt(freshAddress()), user.email, 8);
      const unknown = await guesses(browserAt(freshAddress()), `${uniqueId('nobody')}@example.test`, 8);
      expect(unknown.answers.map((a) => [a.status, a.retryAfter, a.message])).to.deep.equal(known.answers.map((a) => [a.status, a.retryAfter, a.message]));
    });

    it('holds guesses from many addresses at the account, but never the owner on a browser that signed in before', async () => {
      const owner = await addUser(running);
      const ownBrowser = browserAt(freshAddress());
      expect(signedIn(await attempt(ownBrowser, await loginPage(ownBrowser), owner.email, PASSWORD)), 'the first sign-in').to.equal(true);
      const host = new URL(running.url).host;
      expect([...ownBrowser.cookies(host).keys()]).to.include('latchkey-device');
      // The session ends (signed out, cookies cleared): only the device cookie is left.
      ownBrowser.keepOnly(host, ['latchkey-device', 'latchkey-device.sig']);

      // Strangers guess from a new address each time, until the account holds them off.
      const statuses: number[] = [];
      for (let i = 0; i < 14; i++) {
        const stranger = browserAt(freshAddress());
        statuses.push((await attempt(stranger, await loginPage(stranger), owner.email, `guess ${i}`)).status);
      }
      expect(statuses.slice(0, 12).every((s) => s === 401), statuses.join(',')).to.equal(true);
      expect(statuses.slice(12)).to.deep.equal([429, 429]);

      // The owner on a new browser waits like everyone else (the right password changes nothing) ...
      const newBrowser = browserAt(freshAddress());
      const held = await attempt(newBrowser, await loginPage(newBrowser), owner.email, PASSWORD);
      expect(held.status).to.equal(429);
      expect(held.headers.get('retry-after')).to.match(/^\d+$/);
      // ... a copied or edited device cookie is not the owner's ...
      const forger = browserAt(freshAddress());
      const forged = await loginPage(forger);
      const value = ownBrowser.cookies(host).get('latchkey-device')!;
      const edited = `${value.slice(0, 5)}${value[5] === 'A' ? 'B' : 'A'}${value.slice(6)}`;
      forger.setCookie(host, 'latchkey-device', edited);
      forger.setCookie(host, 'latchkey-device.sig', ownBrowser.cookies(host).get('latchkey-device.sig')!);
      expect((await attempt(forger, forged, owner.email, PASSWORD)).status, 'an edited cookie').to.equal(429);
      // ... and it is no credential either: the owner's browser still has to give the password.
      const ownPage = await loginPage(ownBrowser);
      // The owner's own browser signs in on the first try, while the account is held for others.
      expect(signedIn(await attempt(ownBrowser, ownPage, owner.email, PASSWORD)), 'the owner got in').to.equal(true);
    });

    it('gives a known browser its budget for its own account only', async () => {
      const owner = await addUser(running);
      const other = await addUser(running);
      const browser = browserAt(freshAddress());
      expect(signedIn(await attempt(browser, await loginPage(browser), owner.email, PASSWORD))).to.equal(true);
      browser.keepOnly(new URL(running.url).host, ['latchkey-device', 'latchkey-device.sig']);
      // From this browser, the other account is counted per address as for any stranger: five free failures.
      const { answers } = await guesses(browser, other.email, 8);
      expect(answers.map((a) => a.status)).to.deep.equal([401, 401, 401, 401, 401, 401, 401, 429]);
    });

    it('sets the device cookie HttpOnly, SameSite=Lax, signed; __Host- and Secure over https', async () => {
      const user = await addUser(running);
      for (const https of [false, true]) {
        const browser = browserAt(freshAddress());
        if (https) browser.headers['x-forwarded-proto'] = 'https';
        const page = await loginPage(browser);
        const form = new URLSearchParams();
        for (const input of page.doc.querySelectorAll('input[type="hidden"]')) form.set(input.getAttribute('name')!, input.getAttribute('value') ?? '');
        form.set('email', user.email);
        form.set('password', PASSWORD);
        const action = new URL(page.doc.querySelector('form')!.getAttribute('action')!, page.url).href;
        const response = await browser.request('POST', action, form);
        expect(response.status, 'redirected on').to.equal(303);
        const name = https ? '__Host-latchkey-device' : 'latchkey-device';
        const lines = response.headers.getSetCookie().filter((line) => line.startsWith(`${name}=`) || line.startsWith(`${name}.sig=`));
        expect(lines, response.headers.getSetCookie().join('\n')).to.have.length(2);
        for (const line of lines) {
          expect(line).to.match(/; path=\//);
          expect(line).to.match(/; httponly/);
          expect(line).to.match(/; samesite=lax/);
          expect(line).to.match(/; expires=/);
          expect(line).to.not.match(/; domain=/);
          if (https) expect(line).to.match(/; secure/);
          else expect(line).to.not.match(/; secure/);
        }
      }
    });
  });
}

describe('sign-in throttling across instances', function () {
  this.timeout(30_000);
  let deployment: Deployment;
  before(async () => {
    deployment = await startInstances(2);
  });
  after(() => deployment.stop());

  it('counts the failures of one browser alike whichever instance each attempt reaches', async () => {
    const running = { ...deployment.instances[0]!, url: deployment.url };
    const user = await addUser(running);
    const { clientId, secret } = await addClient(running);
    const config = await discover(running, clientId, secret);
    const browser = new Browser([new URL(REDIRECT_URI).origin]);
    const { params } = await authorizationRequest('openid');
    let page = await browser.get(oidc.buildAuthorizationUrl(config, params).href);
    const statuses: number[] = [];
    // The proxy sends each request to the next instance in turn.
    for (let i = 0; i < 8; i++) {
      page = await browser.submit(page, { Email: user.email, Password: `wrong ${i}` }, 'Sign in');
      statuses.push(page.status);
    }
    expect(statuses).to.deep.equal([401, 401, 401, 401, 401, 401, 401, 429]);
  });
});
