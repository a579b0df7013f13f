// latchkey users invite, users verify and mail test against a real Latchkey and a real SMTP
// server: the invited person follows the mailed link, chooses a password and signs in.
import { expect } from 'chai';
import { textOf } from '../support/account.ts';
import { Browser } from '../support/browser.ts';
import { cliAt, expectOneLineFailure } from '../support/cli.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, authorize, discover, uniqueId } from '../support/oidc.ts';
import { withMail } from '../support/mail-rig.ts';

describe('latchkey CLI: mail', function () {
  this.timeout(30_000);
  const rig = withMail();

  it('users invite: mails a set-password link; the person sets one and signs in', async () => {
    const email = `${uniqueId('invited')}@example.test`;
    const run = await cliAt(rig.running.url, ['users', 'invite', '--email', email, '--name', 'Mary Jackson']);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(new RegExp(`^invited ${email} \\(sub [\\w-]+\\)`));
    const mail = await rig.smtp.waitFor(email);
    expect(mail.subject).to.equal('You are invited to Latchkey');
    const browser = new Browser();
    const form = await browser.get(rig.smtp.link(mail, `${rig.running.url}/reset-password/`));
    const done = await browser.submit(form, { 'New password': 'my invited passphrase', 'New password, again': 'my invited passphrase' }, 'Set new password');
    expect(textOf(done)).to.contain('Your new password is set');
    const { clientId, secret } = await addClient(rig.running);
    await authorize(await discover(rig.running, clientId, secret), email, { password: 'my invited passphrase' });
    expect((await rig.running.latchkey.users.findByEmail(email))?.emailVerified).to.equal(true);
  });

  it('users verify: the address is verified', async () => {
    const email = `${uniqueId('unverified')}@example.test`;
    await rig.running.latchkey.users.create({ email, password: 'some long password here' });
    const run = await cliAt(rig.running.url, ['users', 'verify', '--email', email]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.equal(`verified the address of ${email}\n`);
    expect((await rig.running.latchkey.users.findByEmail(email))?.emailVerified).to.equal(true);
  });

  it('mail test: sends one mail now; says what went wrong when SMTP is down', async () => {
    const to = `${uniqueId('ops')}@example.test`;
    const run = await cliAt(rig.running.url, ['mail', 'test', '--to', to]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain(`sent a test mail to ${to}`);
    expect((await rig.smtp.waitFor(to)).subject).to.equal('Latchkey test mail');
    await rig.smtp.stop();
    try {
      expectOneLineFailure(await cliAt(rig.running.url, ['mail', 'test', '--to', to]), /SMTP server did not take the mail: connect ECONNREFUSED/);
    } finally {
      await rig.smtp.start();
    }
  });

  it('without SMTP_URL: invite and mail test say how to configure mail', async () => {
    const plain = await startLatchkey();
    try {
      expectOneLineFailure(await cliAt(plain.url, ['mail', 'test', '--to', 'a@example.test']), /set SMTP_URL/);
      expectOneLineFailure(await cliAt(plain.url, ['users', 'invite', '--email', 'a@example.test']), /set SMTP_URL/);
    } finally {
      await plain.stop();
    }
  });
});
