// Forgot password, end to end over real HTTP and a real SMTP server: the same answer for a known
// and an unknown address, a mailed link that works once and for 30 minutes, the new password
// ending every session and every app's offline access, a notice that the password changed, the
// token never in a log line, and throttles per address and per client address.
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { csrfOf, isActive, openConsole, textOf } from '../support/account.ts';
import { Browser } from '../support/browser.ts';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, authorize, discover, signIn } from '../support/oidc.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';
import { createMemoryStore } from '../../server/store/index.ts';

const NEW_PASSWORD = 'a brand new horse battery staple';

async function askForLink(running: Running, email: string, browser = new Browser()) {
  const form = await browser.get(`${running.url}/forgot-password`);
  return browser.submit(form, { Email: email }, 'Send me a link');
}

for (const store of STORES) {
  describe(`forgot password (${store} store)`, function () {
    this.timeout(30_000);
    let smtp: TestSmtp;
    let running: Running;
    const logLines: string[] = [];
    let offset = 0;
    before(async () => {
      smtp = await startSmtp();
      const logs = new Writable({ write: (chunk, _e, done) => (logLines.push(String(chunk)), done()) });
      running = await startLatchkey({ store, env: { SMTP_URL: smtp.url, TRUST_PROXY: 'true' }, logs, ...(store === 'memory' ? { storeInstance: createMemoryStore({ now: () => Date.now() + offset }) } : {}) });
    });
    after(async () => {
      await running.stop();
      await smtp.stop();
    });

    it('is linked from the login page', async () => {
      const { clientId, secret } = await addClient(running);
      const config = await discover(running, clientId, secret);
      const browser = new Browser();
      const { buildAuthorizationUrl } = await import('openid-client');
      const page = await browser.get(buildAuthorizationUrl(config, { redirect_uri: 'https://rp.example.test/callback', scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }).href);
      expect(page.doc.querySelector('a[href="/forgot-password"]')?.text).to.equal('Forgot your password?');
    });

    it('mails a single-use link; the new password ends every session and app access, and a notice follows', async () => {
      const user = await addUser(running);
      const { clientId, secret } = await addClient(running, { client_name: 'Notes' });
      const config = await discover(running, clientId, secret);
      const signedIn = await signIn(config, user.email);
      const consoleBrowser = new Browser();
      await openConsole(running, consoleBrowser, '/account', { email: user.email });
      expect(await isActive(config, signedIn.tokens.refresh_token!)).to.equal(true);

      const answer = await askForLink(running, user.email.toUpperCase());
      expect(answer.status).to.equal(200);
      expect(textOf(answer)).to.contain('If an account uses');
      const mail = await smtp.waitFor(user.email, { subject: 'Reset your Latchkey password' });
      const link = smtp.link(mail, `${running.url}/reset-password/`);
      expect(mail.html).to.contain(link.replace(/&/g, '&amp;')).and.not.match(/<img/i);

      const person = new Browser();
      const form = await person.get(link);
      expect(form.status).to.equal(200);
      expect(textOf(form)).to.contain(user.email);
      // A password the policy refuses leaves the link working.
      const refused = await person.submit(form, { 'New password': 'short', 'New password, again': 'short' }, 'Set new password');
      expect(refused.status).to.equal(400);
      expect(refused.doc.querySelector('[role=alert]')?.text).to.match(/longer password/);
      const done = await person.submit(refused, { 'New password': NEW_PASSWORD, 'New password, again': NEW_PASSWORD }, 'Set new password');
      expect(done.status).to.equal(200);
      expect(textOf(done)).to.contain('Your new password is set');

      // Every session ended and, by the default policy, the app's offline access too.
      expect(await isActive(config, signedIn.tokens.refresh_token!)).to.equal(false);
      const again = await consoleBrowser.get(`${running.url}/account`);
      expect(again.doc.querySelector('#password'), 'the console asks to sign in again').to.not.equal(null);
      // The new password works, the old one does not.
      await authorize(config, user.email, { password: NEW_PASSWORD });
      const stored = await running.latchkey.users.get(user.sub);
      expect(stored?.emailVerified).to.equal(true);

      // Used once.
      const reused = await new Browser().get(link);
      expect(reused.status).to.equal(400);
      expect(textOf(reused)).to.contain('This link no longer works');
      const notice = await smtp.waitFor(user.email, { subject: 'Your password was changed' });
      expect(notice.text).to.contain('When:').and.contain(`${running.url}/account`);

      // The token never reaches a log line (the request log writes :token).
      const token = link.split('/').pop()!;
      expect(logLines.join('')).to.contain('/reset-password/:token').and.not.contain(token);
    });

    it('answers an unknown address exactly as a known one, and mails nothing', async () => {
      const known = await addUser(running);
      const unknown = `nobody-${Date.now()}@example.test`;
      const a = await askForLink(running, known.email);
      const b = await askForLink(running, unknown);
      expect(a.status).to.equal(b.status);
      expect(textOf(a).replace(known.email, 'E')).to.equal(textOf(b).replace(unknown, 'E'));
      await smtp.waitFor(known.email);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(smtp.to(unknown)).to.have.length(0);
    });

    // On the memory store's clock, moved forward (Redis expires on its own clock).
    if (store === 'memory') it('refuses a link past its 30 minutes, and one that is not a link at all', async () => {
      const user = await addUser(running);
      await askForLink(running, user.email);
      const link = smtp.link(await smtp.waitFor(user.email), `${running.url}/reset-password/`);
      offset += 31 * 60_000;
      try {
        const expired = await new Browser().get(link);
        expect(expired.status).to.equal(400);
        expect(textOf(expired)).to.contain('This link no longer works');
      } finally {
        offset = 0;
      }
      for (const path of ['/reset-password/not-a-token', `/reset-password/${'A'.repeat(43)}`, '/reset-password']) {
        const page = await new Browser().get(`${running.url}${path}`);
        expect(page.status, path).to.be.oneOf([400, 404]);
      }
    });

    it('throttles requests per address and per client address, whether or not the address has an account', async () => {
      const addressed = `throttled-${Date.now()}@example.test`;
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        const browser = new Browser();
        browser.headers['x-forwarded-for'] = `198.51.100.${i + 1}`;
        statuses.push((await askForLink(running, addressed, browser)).status);
      }
      expect(statuses.slice(0, 5)).to.deep.equal([200, 200, 200, 200, 200]);
      expect(statuses.slice(5)).to.deep.equal([429, 429]);
      const fromOne = new Browser();
      fromOne.headers['x-forwarded-for'] = '203.0.113.77';
      const last: number[] = [];
      for (let i = 0; i < 31; i++) last.push((await askForLink(running, `ip-${i}-${Date.now()}@example.test`, fromOne)).status);
      expect(last.slice(0, 30).every((s) => s === 200)).to.equal(true);
      expect(last[30]).to.equal(429);
    });

    it('refuses a form without its CSRF token', async () => {
      const browser = new Browser();
      const form = await browser.get(`${running.url}/forgot-password`);
      csrfOf(form);
      const forged = await browser.navigate('POST', `${running.url}/forgot-password`, new URLSearchParams({ email: 'x@example.test' }));
      expect(forged.status).to.equal(403);
    });
  });
}
