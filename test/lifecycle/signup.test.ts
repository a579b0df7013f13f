// Sign-up (ALLOW_SIGNUP) and email verification over real HTTP and a real SMTP server: a new
// account is unverified until its mailed link is followed (once, within its time, only for the
// address it was sent to); signing up with an address an account has says the same and mails its
// owner instead; the password policy applies; off by default.
import { expect } from 'chai';
import { textOf } from '../support/account.ts';
import { Browser, type Page } from '../support/browser.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, addUser, authorize, discover } from '../support/oidc.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';
import { createMemoryStore } from '../../server/store/index.ts';
import * as oidc from 'openid-client';

const PASSWORD = 'my own long sign-up passphrase';

async function signUp(running: Running, fields: { name?: string; email: string; password?: string }, browser = new Browser()): Promise<Page> {
  const form = await browser.get(`${running.url}/signup`);
  return browser.submit(form, { Name: fields.name ?? 'Ada Lovelace', Email: fields.email, Password: fields.password ?? PASSWORD }, 'Create account');
}

describe('sign-up and email verification', function () {
  this.timeout(30_000);
  let smtp: TestSmtp;
  let running: Running;
  let offset = 0;
  before(async () => {
    smtp = await startSmtp();
    running = await startLatchkey({ env: { SMTP_URL: smtp.url, ALLOW_SIGNUP: 'true', EMAIL_VERIFICATION_TTL: '3600' }, storeInstance: createMemoryStore({ now: () => Date.now() + offset }) });
  });
  after(async () => {
    await running.stop();
    await smtp.stop();
  });

  it('creates an unverified account, verified by the mailed link once; email_verified follows', async () => {
    const email = `new-${Date.now()}@example.test`;
    const sent = await signUp(running, { email });
    expect(sent.status).to.equal(200);
    expect(textOf(sent)).to.contain(`We have sent a link to ${email}`);
    const user = await running.latchkey.users.findByEmail(email);
    expect(user).to.include({ emailVerified: false, name: 'Ada Lovelace' });

    const { clientId, secret } = await addClient(running);
    const config = await discover(running, clientId, secret);
    const before = await authorize(config, email, { password: PASSWORD });
    const tokens = await oidc.authorizationCodeGrant(config, before.callback, { pkceCodeVerifier: before.verifier, expectedState: before.state, expectedNonce: before.nonce });
    expect(tokens.claims()?.email_verified).to.equal(false);

    const mail = await smtp.waitFor(email);
    expect(mail.subject).to.equal('Confirm your email address');
    const link = smtp.link(mail, `${running.url}/verify-email/`);
    const browser = new Browser();
    const confirm = await browser.get(link);
    // Opening the link (a mail scanner would) uses nothing up: the button does.
    expect((await running.latchkey.users.findByEmail(email))?.emailVerified).to.equal(false);
    const done = await browser.submit(confirm, {}, 'Confirm my address');
    expect(done.status).to.equal(200);
    expect(textOf(done)).to.contain(`${email} is confirmed`);
    expect((await running.latchkey.users.findByEmail(email))?.emailVerified).to.equal(true);

    const after = await authorize(config, email, { password: PASSWORD });
    const fresh = await oidc.authorizationCodeGrant(config, after.callback, { pkceCodeVerifier: after.verifier, expectedState: after.state, expectedNonce: after.nonce });
    expect(fresh.claims()?.email_verified).to.equal(true);

    const reused = await new Browser().get(link);
    expect(reused.status).to.equal(400);
    expect(textOf(reused)).to.contain('This link no longer works');
  });

  it('says the same for an address an account has, creates nothing, and mails its owner', async () => {
    const existing = await addUser(running);
    const fresh = `fresh-${Date.now()}@example.test`;
    const a = await signUp(running, { email: existing.email });
    const b = await signUp(running, { email: fresh });
    expect(a.status).to.equal(b.status);
    expect(textOf(a).replace(existing.email, 'E')).to.equal(textOf(b).replace(fresh, 'E'));
    const mail = await smtp.waitFor(existing.email);
    expect(mail.subject).to.equal('Someone tried to sign up with your address');
    expect(mail.text).to.contain(`${running.url}/forgot-password`);
    expect((await running.latchkey.users.findByEmail(existing.email))?.sub).to.equal(existing.sub);
  });

  it('applies the password policy', async () => {
    const email = `weak-${Date.now()}@example.test`;
    const page = await signUp(running, { email, password: 'password' });
    expect(page.status).to.equal(400);
    expect(page.doc.querySelector('[role=alert]')?.text).to.match(/longer|common|guess/i);
    expect(await running.latchkey.users.findByEmail(email)).to.equal(undefined);
  });

  it('refuses a verification link past its time', async () => {
    const email = `late-${Date.now()}@example.test`;
    await signUp(running, { email });
    const link = smtp.link(await smtp.waitFor(email), `${running.url}/verify-email/`);
    offset += 3601_000;
    try {
      const page = await new Browser().get(link);
      expect(page.status).to.equal(400);
    } finally {
      offset = 0;
    }
  });

  it('refuses a verification link after the account changed its address (bound to the address)', async () => {
    const email = `moved-${Date.now()}@example.test`;
    await signUp(running, { email });
    const link = smtp.link(await smtp.waitFor(email), `${running.url}/verify-email/`);
    const browser = new Browser();
    const confirm = await browser.get(link);
    await running.latchkey.users.changeEmail(email, `elsewhere-${Date.now()}@example.test`);
    const page = await browser.submit(confirm, {}, 'Confirm my address');
    expect(page.status).to.equal(400);
  });
});

describe('sign-up, off by default', () => {
  it('has no /signup page', async () => {
    const smtp = await startSmtp();
    const running = await startLatchkey({ env: { SMTP_URL: smtp.url } });
    try {
      expect((await new Browser().get(`${running.url}/signup`)).status).to.equal(404);
    } finally {
      await running.stop();
      await smtp.stop();
    }
  });
});
