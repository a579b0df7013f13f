// An alert that concerns an account (here, a refresh token used twice) is mailed to the person
// as an "unusual activity" notice, in the alert's plain words.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { expectOAuthError } from '../support/flows.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';

describe('alerts, mailed to the person', function () {
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

  it('mails an unusual-activity notice of refresh token reuse', async () => {
    await running.latchkey.alerts!.poll();
    const user = await addUser(running);
    const { clientId, secret } = await addClient(running, { client_name: 'Notes' });
    const config = await discover(running, clientId, secret);
    const { tokens } = await signIn(config, user.email);
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    await expectOAuthError(oidc.refreshTokenGrant(config, tokens.refresh_token!), 'invalid_grant');
    await running.latchkey.audit.flush();
    await running.latchkey.alerts!.poll();
    const mail = await smtp.waitFor(user.email, { subject: 'Unusual activity on your account' });
    expect(mail.text).to.contain('used twice').and.contain(`${running.url}/account`);
  });
});
