// Adding or removing a second factor is mailed to the person, always (a security-critical notice
// that the console's Notices page cannot turn off).
import { expect } from 'chai';
import { totpCode } from '../../server/mfa/totp.ts';
import { openConsole, press, textOf } from '../support/account.ts';
import { rpBrowser } from '../support/flows.ts';
import { addUser } from '../support/oidc.ts';
import { withMail } from '../support/mail-rig.ts';

describe('second factors, mailed to the person', function () {
  this.timeout(30_000);
  const rig = withMail({ KEY_ROTATION_SCHEDULE: 'off' });

  it('mails a notice when an authenticator app is added and when it is removed', async () => {
    const user = await addUser(rig.running);
    const browser = rpBrowser();
    let page = await openConsole(rig.running, browser, '/account/security/totp', { email: user.email });
    const secret = new URL(page.doc.querySelector('#totp-uri')!.text.trim()).searchParams.get('secret')!;
    page = await browser.submit(page, { '3. Type the six digits the app now shows': totpCode(secret, Date.now()) }, 'Turn on');
    expect(page.doc.querySelectorAll('#recovery-codes li'), textOf(page)).to.have.length(10);
    const added = await rig.smtp.waitFor(user.email, { subject: 'A two-step verification method was added' });
    expect(added.text).to.contain('authenticator app').and.contain(`${rig.running.url}/account`);

    page = await openConsole(rig.running, browser, '/account/security');
    page = await press(browser, page, 'Remove the authenticator app');
    const removed = await rig.smtp.waitFor(user.email, { subject: 'A two-step verification method was removed' });
    expect(removed.text, textOf(page)).to.contain('authenticator app');
  });
});
