// Changing the address from the account console, with a real SMTP server: a confirmation link to
// the new address, a notice to the old one with "this wasn't me" that undoes it (and signs
// everyone out); a taken address gets nothing and changes nothing. And the console's notice
// settings: optional notices can be turned off, critical ones always go.
import { expect } from 'chai';
import { isActive, openConsole, textOf } from '../support/account.ts';
import { Browser } from '../support/browser.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, addUser, authorize, discover, signIn } from '../support/oidc.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';

describe('email change and security notices', function () {
  this.timeout(30_000);
  let smtp: TestSmtp;
  let running: Running;
  before(async () => {
    smtp = await startSmtp();
    running = await startLatchkey({ env: { SMTP_URL: smtp.url } });
  });
  after(async () => {
    await running.stop();
    await smtp.stop();
  });

  async function askChange(browser: Browser, email: string, to: string) {
    const page = await openConsole(running, browser, '/account/email', { email });
    expect(page.doc.querySelector('h1')?.text).to.equal('Email address');
    return browser.submit(page, { 'New email address': to }, 'Change address');
  }

  it('moves the account once the new address confirms; the old one can undo it, signing everyone out', async () => {
    const user = await addUser(running);
    const { clientId, secret } = await addClient(running);
    const config = await discover(running, clientId, secret);
    const app = await signIn(config, user.email);
    const browser = new Browser();
    const newEmail = `moved-${Date.now()}@example.test`;
    const asked = await askChange(browser, user.email, newEmail);
    expect(textOf(asked)).to.contain(`We have sent a link to ${newEmail}`);
    expect((await running.latchkey.users.get(user.sub))?.email).to.equal(user.email);

    const confirmMail = await smtp.waitFor(newEmail);
    expect(confirmMail.subject).to.equal('Confirm your new email address');
    const confirmLink = smtp.link(confirmMail, `${running.url}/email-change/confirm/`);
    const person = new Browser();
    const done = await person.submit(await person.get(confirmLink), {}, 'Use this address');
    expect(done.status).to.equal(200);
    expect(textOf(done)).to.contain(`Your account now uses ${newEmail}`);
    expect(await running.latchkey.users.get(user.sub)).to.include({ email: newEmail, emailVerified: true });
    expect((await new Browser().get(confirmLink)).status, 'the link worked once').to.equal(400);

    const notice = await smtp.waitFor(user.email, { subject: 'The email address of your account was changed' });
    expect(notice.subject).to.equal('The email address of your account was changed');
    const undoLink = smtp.link(notice, `${running.url}/email-change/undo/`);
    const owner = new Browser();
    const undone = await owner.submit(await owner.get(undoLink), {}, 'Undo the change');
    expect(undone.status).to.equal(200);
    expect(textOf(undone)).to.contain(`Your account uses ${user.email} again`);
    expect((await running.latchkey.users.get(user.sub))?.email).to.equal(user.email);
    expect(await running.latchkey.users.findByEmail(newEmail)).to.equal(undefined);
    expect(await isActive(config, app.tokens.refresh_token!), 'everyone signed out, apps too').to.equal(false);
    expect((await owner.get(undoLink)).status, 'the undo link worked once').to.equal(400);
    await authorize(config, user.email);
  });

  it('mails nothing to an address another account has, and changes nothing', async () => {
    const user = await addUser(running);
    const other = await addUser(running);
    const asked = await askChange(new Browser(), user.email, other.email);
    expect(textOf(asked)).to.contain(`We have sent a link to ${other.email}`);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(smtp.to(other.email)).to.have.length(0);
    expect((await running.latchkey.users.get(user.sub))?.email).to.equal(user.email);
  });

  it('mails a notice of a sign-in from a new browser and of a password change; the optional one can be turned off', async () => {
    const user = await addUser(running);
    // An account made more than a quarter of an hour ago (the first sign-ins of a new one are not news).
    const stored = (await running.latchkey.users.get(user.sub))!;
    await running.latchkey.store.documents.put('users', user.sub, JSON.stringify({ ...stored, createdAt: Date.now() - 3600_000 }));
    const { clientId, secret } = await addClient(running, { client_name: 'Diary' });
    const config = await discover(running, clientId, secret);
    await authorize(config, user.email);
    const signInNotice = await smtp.waitFor(user.email);
    expect(signInNotice.subject).to.equal('New sign-in to your account');
    expect(signInNotice.text).to.contain('to use Diary').and.contain('When:').and.contain(`${running.url}/account`);

    // Turned off in the console: the next new browser's sign-in sends nothing.
    const browser = new Browser();
    const settings = await openConsole(running, browser, '/account/notifications', { email: user.email });
    // The console's own sign-in was from a new browser too.
    await smtp.waitFor(user.email, { subject: 'New sign-in to your account', count: 2 });
    const checkboxes = settings.doc.querySelectorAll('input[type=checkbox]');
    expect(checkboxes.find((c) => c.getAttribute('value') === 'password-changed')?.hasAttribute('disabled')).to.equal(true);
    const data = new URLSearchParams({ _csrf: settings.doc.querySelector('input[name=_csrf]')!.getAttribute('value')! });
    data.append('on', 'offline-access');
    const saved = await browser.navigate('POST', `${running.url}/account/notifications`, data);
    expect(textOf(saved)).to.contain('Your choices are saved');
    expect(await running.latchkey.mailPreferences.off(user.sub)).to.include('new-device');
    const before = smtp.to(user.email).length;
    await authorize(config, user.email);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(smtp.to(user.email).slice(before).map((m) => m.subject)).to.deep.equal([]);

    // A password change always goes.
    const form = await openConsole(running, browser, '/account/password');
    const changed = await browser.submit(form, { 'Current password': 'correct horse battery staple', 'New password': 'another long new passphrase', 'New password, again': 'another long new passphrase' }, 'Change password');
    expect(textOf(changed)).to.contain('Your password is changed');
    const last = await smtp.waitFor(user.email, { count: before + 1 });
    expect(last.subject).to.equal('Your password was changed');
  });
});
