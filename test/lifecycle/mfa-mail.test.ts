// Adding or removing a second factor is mailed to the person, always (a security-critical notice
// that the console's Notices page cannot turn off).
import { expect } from 'chai';
import { totpCode } from '../../server/mfa/totp.ts';
import { openConsole, press, textOf } from '../support/account.ts';
import { rpBrowser } from '../support/flows.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addUser } from '../support/oidc.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';

describe('second factors, mailed to the person', function () {
  this.timeout(30_000);
  let smtp: TestSmtp;
  let running: Running;
  before(async () => {
    smtp = await startSmtp();
    running = await startLatchkey({ env: { SMTP_URL: smtp.url, KEY_ROTATION_SCHEDULE: 'off' } });
  });
  after(async () => {
    await running.stop();
    await smtp.stop();
  });

  it('mails a notice when an authenticator app is added and when it is removed', async () => {
    const user = await addUser(running);
    const browser = rpBrowser();
    let page = await openConsole(running, browser, '/account/security/totp', { email: user.email });
    const secret = new URL(page.doc.querySelector('#totp-uri')!.text.trim()).searchParams.get('secret')!;
    page = await browser.submit(page, { '3. Type the six digits the app now shows': totpCode(secret, Date.now()) }, 'Turn on');
    expect(page.doc.querySelectorAll('#recovery-codes li'), textOf(page)).to.have.length(10);
    const added = await smtp.waitFor(user.email, { subject: 'A two-step verification method was added' });
    expect(added.text).to.contain('authenticator app').and.contain(`${running.url}/account`);

    page = await openConsole(running, browser, '/account/security');
    page = await press(browser, page, 'Remove the authenticator app');
    const removed = await smtp.waitFor(user.email, { subject: 'A two-step verification method was removed' });
    expect(removed.text, textOf(page)).to.contain('authenticator app');
  });
});
