// /metrics: the Prometheus exposition behind METRICS_TOKEN, with the series an operator watches
// after a real flow, checked by Prometheus' own promtool.
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, signIn } from '../support/oidc.ts';

const TOKEN = 'metrics-token-for-the-tests-0123456789abcdef';

describe('metrics', () => {
  let running: Running;
  before(async () => {
    running = await startLatchkey({ store: 'redis', env: { METRICS_TOKEN: TOKEN } });
  });
  after(() => running.stop());

  const scrape = (token?: string) => fetch(`${running.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers only the metrics token', async () => {
    expect((await scrape()).status).to.equal(401);
    expect((await scrape('wrong-token-wrong-token-wrong-token-0')).status).to.equal(401);
    const ok = await scrape(TOKEN);
    expect(ok.status).to.equal(200);
    expect(ok.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    expect(ok.headers.get('cache-control')).to.equal('no-store');
    expect((await fetch(`${running.url}/metrics`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status).to.equal(405);
  });

  it('counts requests by route, tokens by grant type and client, sign-ins, refreshes, and reports keys, the store and the event loop', async () => {
    const user = await addUser(running);
    const { clientId, secret } = await addClient(running);
    const config = await discover(running, clientId, secret);
    const { tokens } = await signIn(config, user.email);
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    await running.latchkey.audit.flush();
    const text = await (await scrape(TOKEN)).text();
    const series = (name: string) => text.split('\n').filter((l) => l.startsWith(name));
    expect(series('latchkey_http_requests_total{route="token",method="POST",status="200"}')).to.have.length(1);
    expect(series('latchkey_http_request_duration_seconds_bucket{le="0.5",route="token"}')).to.have.length(1);
    expect(series(`latchkey_tokens_issued_total{grant_type="authorization_code",kind="access_token",client="${clientId}"} 1`)).to.have.length(1);
    expect(series(`latchkey_tokens_refreshed_total{client="${clientId}"} 1`)).to.have.length(1);
    expect(series('latchkey_signins_total{outcome="succeeded"}')).to.have.length(1);
    expect(series('latchkey_signing_key_age_seconds{kid=')).to.have.length.greaterThan(0);
    expect(series('latchkey_signing_key_next_rotation_seconds ')).to.have.length(1);
    const ping = Number(series('latchkey_store_ping_seconds ')[0]!.split(' ')[1]);
    expect(ping).to.be.greaterThan(0).and.lessThan(1);
    expect(series('latchkey_nodejs_eventloop_lag_seconds ')).to.have.length(1);
    expect(series('latchkey_audit_events_written_total ')).to.have.length(1);
    // No raw path ever becomes a label: unknown paths are "other".
    await fetch(`${running.url}/no/such/path/${'x'.repeat(40)}`);
    const after = await (await scrape(TOKEN)).text();
    expect(after).to.include('route="other"').and.not.include('xxxxxxxx');
  });

  it('passes promtool check metrics', async () => {
    const text = await (await scrape(TOKEN)).text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error, 'promtool (Debian package prometheus) must be installed').to.equal(undefined);
    expect(check.status, `${check.stdout}${check.stderr}`).to.equal(0);
  });

  it('is off without METRICS_TOKEN', async () => {
    const off = await startLatchkey();
    try {
      const res = await fetch(`${off.url}/metrics`);
      expect(res.status).to.equal(404);
      expect((await res.json()).error_description).to.include('METRICS_TOKEN');
    } finally {
      await off.stop();
    }
  });
});

describe('metrics: latchkey_sessions_active', () => {
  const SIGN_INS = 6;
  const gauge = async (running: Running) => {
    const text = await (await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(text).to.match(/^# HELP latchkey_sessions_active .*whole deployment/m);
    const line = text.split('\n').find((l) => l.startsWith('latchkey_sessions_active '));
    expect(line, 'a latchkey_sessions_active sample').to.be.a('string');
    return Number(line!.split(' ')[1]);
  };
  const signInPeople = async (running: Running, count: number) => {
    const { clientId, secret } = await addClient(running);
    const config = await discover(running, clientId, secret);
    for (let i = 0; i < count; i++) await signIn(config, (await addUser(running)).email, 'openid');
  };

  for (const store of ['memory', 'redis'] as const) {
    it(`counts the people signed in through the pages (${store === 'memory' ? 'exactly, in memory' : 'estimated from a sample, on Redis'}), read once a minute`, async () => {
      const running = await startLatchkey({ store, env: { METRICS_TOKEN: TOKEN } });
      try {
        await signInPeople(running, SIGN_INS);
        const first = await gauge(running);
        // With a few dozen keys in Redis, 1000 draws see each about 15 times: within 3 of 6 is
        // five standard deviations.
        if (store === 'memory') expect(first).to.equal(SIGN_INS);
        else expect(first).to.be.within(SIGN_INS - 3, SIGN_INS + 3);
        // Kept for a minute: one more sign-in does not show until then.
        await signInPeople(running, 1);
        expect(await gauge(running)).to.equal(first);
      } finally {
        await running.stop();
      }
    });
  }
});

