// Changing the address from the account console, with a real SMTP server: a confirmation link to
// the new address, a notice to the old one with "this wasn't me" that undoes it (and signs
// everyone out); a taken address gets nothing and changes nothing. And the console's notice
// settings: optional notices can be turned off, critical ones always go.
import { expect } from 'chai';
import { isActive, openConsole, textOf } from '../support/account.ts';
import { Browser } from '../support/browser.ts';
import { addClient, addUser, authorize, discover, signIn } from '../support/oidc.ts';
import { withMail } from '../support/mail-rig.ts';

describe('email change and security notices', function () {
  this.timeout(30_000);
  const rig = withMail();

  async function askChange(browser: Browser, email: string, to: string) {
    const page = await openConsole(rig.running, browser, '/account/email', { email });
    expect(page.doc.querySelector('h1')?.text).to.equal('Email address');
    return browser.submit(page, { 'New email address': to }, 'Change address');
  }

  it('moves the account once the new address confirms; the old one can undo it, signing everyone out', async () => {
    const user = await addUser(rig.running);
    const { clientId, secret } = await addClient(rig.running);
    const config = await discover(rig.running, clientId, secret);
    const app = await signIn(config, user.email);
    const browser = new Browser();
    const newEmail = `moved-${Date.now()}@example.test`;
    const asked = await askChange(browser, user.email, newEmail);
    expect(textOf(asked)).to.contain(`We have sent a link to ${newEmail}`);
    expect((await rig.running.latchkey.users.get(user.sub))?.email).to.equal(user.email);

    const confirmMail = await rig.smtp.waitFor(newEmail);
    expect(confirmMail.subject).to.equal('Confirm your new email address');
    const confirmLink = rig.smtp.link(confirmMail, `${rig.running.url}/email-change/confirm/`);
    const person = new Browser();
    const done = await person.submit(await person.get(confirmLink), {}, 'Use this address');
    expect(done.status).to.equal(200);
    expect(textOf(done)).to.contain(`Your account now uses ${newEmail}`);
    expect(await rig.running.latchkey.users.get(user.sub)).to.include({ email: newEmail, emailVerified: true });
    expect((await new Browser().get(confirmLink)).status, 'the link worked once').to.equal(400);

    const notice = await rig.smtp.waitFor(user.email, { subject: 'The email address of your account was changed' });
    expect(notice.subject).to.equal('The email address of your account was changed');
    const undoLink = rig.smtp.link(notice, `${rig.running.url}/email-change/undo/`);
    const owner = new Browser();
    const undone = await owner.submit(await owner.get(undoLink), {}, 'Undo the change');
    expect(undone.status).to.equal(200);
    expect(textOf(undone)).to.contain(`Your account uses ${user.email} again`);
    expect((await rig.running.latchkey.users.get(user.sub))?.email).to.equal(user.email);
    expect(await rig.running.latchkey.users.findByEmail(newEmail)).to.equal(undefined);
    expect(await isActive(config, app.tokens.refresh_token!), 'everyone signed out, apps too').to.equal(false);
    expect((await owner.get(undoLink)).status, 'the undo link worked once').to.equal(400);
    await authorize(config, user.email);
  });

  it('mails nothing to an address another account has, and changes nothing', async () => {
    const user = await addUser(rig.running);
    const other = await addUser(rig.running);
    const asked = await askChange(new Browser(), user.email, other.email);
    expect(textOf(asked)).to.contain(`We have sent a link to ${other.email}`);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(rig.smtp.to(other.email)).to.have.length(0);
    expect((await rig.running.latchkey.users.get(user.sub))?.email).to.equal(user.email);
  });

  it('mails a notice of a sign-in from a new browser and of a password change; the optional one can be turned off', async () => {
    const user = await addUser(rig.running);
    // An account made more than a quarter of an hour ago (the first sign-ins of a new one are not news).
    const stored = (await rig.running.latchkey.users.get(user.sub))!;
    await rig.running.latchkey.store.documents.put('users', user.sub, JSON.stringify({ ...stored, createdAt: Date.now() - 3600_000 }));
    const { clientId, secret } = await addClient(rig.running, { client_name: 'Diary' });
    const config = await discover(rig.running, clientId, secret);
    await authorize(config, user.email);
    const signInNotice = await rig.smtp.waitFor(user.email);
    expect(signInNotice.subject).to.equal('New sign-in to your account');
    expect(signInNotice.text).to.contain('to use Diary').and.contain('When:').and.contain(`${rig.running.url}/account`);

    // Turned off in the console: the next new browser's sign-in sends nothing.
    const browser = new Browser();
    const settings = await openConsole(rig.running, browser, '/account/notifications', { email: user.email });
    // The console's own sign-in was from a new browser too.
    await rig.smtp.waitFor(user.email, { subject: 'New sign-in to your account', count: 2 });
    const checkboxes = settings.doc.querySelectorAll('input[type=checkbox]');
    expect(checkboxes.find((c) => c.getAttribute('value') === 'password-changed')?.hasAttribute('disabled')).to.equal(true);
    const data = new URLSearchParams({ _csrf: settings.doc.querySelector('input[name=_csrf]')!.getAttribute('value')! });
    data.append('on', 'offline-access');
    const saved = await browser.navigate('POST', `${rig.running.url}/account/notifications`, data);
    expect(textOf(saved)).to.contain('Your choices are saved');
    expect(await rig.running.latchkey.mailPreferences.off(user.sub)).to.include('new-device');
    const before = rig.smtp.to(user.email).length;
    await authorize(config, user.email);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(rig.smtp.to(user.email).slice(before).map((m) => m.subject)).to.deep.equal([]);

    // A password change always goes.
    const form = await openConsole(rig.running, browser, '/account/password');
    const changed = await browser.submit(form, { 'Current password': 'correct horse battery staple', 'New password': 'another long new passphrase', 'New password, again': 'another long new passphrase' }, 'Change password');
    expect(textOf(changed)).to.contain('Your password is changed');
    const last = await rig.smtp.waitFor(user.email, { count: before + 1 });
    expect(last.subject).to.equal('Your password was changed');
  });
});
