// Alerts delivered from a running Latchkey: the rules follow the audit stream, and an alert is an
// audit event (and so a log line and a metric) and, when it concerns an account, an item of the
// person's security activity in plain words. One instance evaluates at a time.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { openConsole, textOf } from '../support/account.ts';
import { expectOAuthError } from '../support/flows.ts';
import { startInstances, type Deployment } from '../support/instances.ts';
import { startLatchkey } from '../support/latchkey.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';
import { ALERT_INPUT_TYPES } from '../../server/alerts/evaluate.ts';
import { ALERT_FEED } from '../../server/alerts/runner.ts';
import { AUDIT_STREAM } from '../../server/audit/trail.ts';

describe('alerts, delivered', () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await startInstances(2, { KEY_ROTATION_SCHEDULE: 'off' });
  });
  after(() => deployment.stop());

  it('raises refresh token reuse once across two instances, to the trail and to the person', async () => {
    const [a, b] = deployment.instances as [Deployment['instances'][0], Deployment['instances'][0]];
    // Whoever leads starts from the end of the stream: let both instances settle first.
    await a.latchkey.alerts!.poll();
    await b.latchkey.alerts!.poll();

    // Every request through the round-robin proxy: the steps land on both instances.
    const via = { ...a, url: deployment.url };
    const user = await addUser(a);
    const { clientId, secret } = await addClient(a, { client_name: 'Notes' });
    const config = await discover(via, clientId, secret);
    const { tokens, browser } = await signIn(config, user.email);
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    await expectOAuthError(oidc.refreshTokenGrant(config, tokens.refresh_token!), 'invalid_grant');

    for (const instance of [a, b]) await instance.latchkey.audit.flush();
    for (const instance of [a, b]) await instance.latchkey.alerts!.poll();
    for (const instance of [a, b]) await instance.latchkey.audit.flush();
    const { events } = await a.latchkey.audit.search({ type: 'alert.raised', account: user.sub, limit: 10 });
    expect(events, 'one alert, whichever instance evaluated').to.have.length(1);
    expect(events[0]!.event).to.deep.include({ rule: 'refresh_token_reuse', account: user.sub, actor: { kind: 'system', component: 'alerts' } });

    const activity = textOf(await openConsole(via, browser, '/account/activity'));
    expect(activity).to.include('because a sign-in of yours there was used twice');
  });

  it('follows only the events some rule reads: the trail copies those to the alert feed, not the token events', async () => {
    const [a] = deployment.instances as [Deployment['instances'][0]];
    const user = await addUser(a);
    const { clientId, secret } = await addClient(a, { client_name: 'Feed check' });
    const config = await discover({ ...a, url: deployment.url }, clientId, secret);
    const { tokens } = await signIn(config, user.email);
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    for (const instance of deployment.instances) await instance.latchkey.audit.flush();

    const streams = a.latchkey.store.streams;
    const typesIn = async (stream: string) => new Set((await streams.newest(stream, { limit: 1000 })).map((e) => (JSON.parse(e.value) as { type: string }).type));
    const trail = await typesIn(AUDIT_STREAM);
    const feed = await typesIn(ALERT_FEED.stream);
    expect([...trail]).to.include.members(['token.issued', 'signin.succeeded', 'session.started']);
    expect([...feed]).to.include.members(['signin.succeeded', 'token.refresh_reuse_detected']);
    for (const type of feed) expect(ALERT_INPUT_TYPES.has(type), type).to.equal(true);
    expect(feed.has('token.issued')).to.equal(false);
  });
});

describe('ALERT_THRESHOLDS', () => {
  it('stops start-up naming the setting when it is not JSON, or a threshold is out of range', async () => {
    for (const value of ['count=20', '{"failedSignInsPerAccount":{"count":0}}', '{"noSuchRule":{}}']) {
      const error = await startLatchkey({ env: { ALERT_THRESHOLDS: value } }).then(
        (running) => running.stop().then(() => undefined),
        (err: Error) => err,
      );
      expect(error, value).to.be.instanceOf(Error);
      expect(error!.message, value).to.include('ALERT_THRESHOLDS');
    }
  });
});
