// An alert that concerns an account (here, a refresh token used twice) is mailed to the person
// as an "unusual activity" notice, in the alert's plain words.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { expectOAuthError } from '../support/flows.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';
import { withMail } from '../support/mail-rig.ts';

describe('alerts, mailed to the person', function () {
  this.timeout(30_000);
  const rig = withMail({ KEY_ROTATION_SCHEDULE: 'off' });

  it('mails an unusual-activity notice of refresh token reuse', async () => {
    await rig.running.latchkey.alerts!.poll();
    const user = await addUser(rig.running);
    const { clientId, secret } = await addClient(rig.running, { client_name: 'Notes' });
    const config = await discover(rig.running, clientId, secret);
    const { tokens } = await signIn(config, user.email);
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    await expectOAuthError(oidc.refreshTokenGrant(config, tokens.refresh_token!), 'invalid_grant');
    await rig.running.latchkey.audit.flush();
    await rig.running.latchkey.alerts!.poll();
    const mail = await rig.smtp.waitFor(user.email, { subject: 'Unusual activity on your account' });
    expect(mail.text).to.contain('used twice').and.contain(`${rig.running.url}/account`);
  });
});
