// The device flow's brute-force protection (RFC 8628 §5.1, §3.5), with real polling: wrong user
// codes are counted per address and refused past the budget with a 429 page; a device polling
// faster than the advertised interval gets slow_down (and 5 s more to wait), and one that keeps
// going after being told has its authorization ended. The polling state of a device code is
// shared by the instances behind a load balancer.
import { request } from 'node:http';
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { Browser, type Page } from '../support/browser.ts';
import { sleep } from '../support/flows.ts';
import { startInstances, type Deployment } from '../support/instances.ts';
import { startLatchkey, STORES, type Running } from '../support/latchkey.ts';
import { addClient, addUser, discover, PASSWORD } from '../support/oidc.ts';

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const deviceClient = { public: true, redirect_uris: [], response_types: [], grant_types: [DEVICE_CODE] };

async function poll(url: string, clientId: string, deviceCode: string): Promise<{ status: number; error?: string; description?: string }> {
  const response = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: DEVICE_CODE, device_code: deviceCode, client_id: clientId }),
  });
  const body = (await response.json()) as { error?: string; error_description?: string };
  return { status: response.status, error: body.error, description: body.error_description };
}

for (const store of STORES) {
  describe(`device flow throttling (${store} store)`, function () {
    this.timeout(30_000);
    let running: Running;
    let clientId: string;
    let config: oidc.Configuration;
    before(async () => {
      running = await startLatchkey({ store, env: { TRUST_PROXY: 'true', DEVICE_POLL_INTERVAL_SECONDS: '1' } });
      ({ clientId } = await addClient(running, deviceClient));
      config = await discover(running, clientId);
    });
    after(() => running.stop());

    async function enter(browser: Browser, code: string): Promise<Page> {
      const entry = await browser.get(`${running.url}/device`);
      return browser.submit(entry, { Code: code });
    }

    it('advertises the polling interval', async () => {
      const response = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
      expect(response.interval).to.equal(1);
    });

    it('refuses an address after 10 wrong user codes with a 429 page, the right code included', async () => {
      const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
      const browser = new Browser();
      browser.headers = { 'x-forwarded-for': '192.0.2.50' };
      for (let i = 0; i < 10; i++) {
        const page = await enter(browser, `BCDF-GH${'JKLMNPQRST'[i]}${'JKLMNPQRST'[9 - i]}`);
        expect(page.status, `code ${i + 1}`).to.equal(400);
        expect(page.doc.querySelector('#code-error')?.text).to.match(/not valid or has expired/);
      }
      const refused = await enter(browser, device.user_code);
      expect(refused.status).to.equal(429);
      expect(Number(refused.headers.get('retry-after'))).to.be.within(590, 600);
      expect(refused.doc.querySelector('h1')?.text.trim()).to.equal('Too many attempts');
      expect(refused.doc.querySelector('.lede')?.text.trim()).to.equal('Too many wrong codes were entered from here. Wait 10 minutes, check the code your device shows, and try again.');
      // A person elsewhere is not held up.
      const elsewhere = new Browser();
      elsewhere.headers = { 'x-forwarded-for': '192.0.2.51' };
      expect((await enter(elsewhere, device.user_code)).doc.querySelector('.code')?.text.trim()).to.equal(device.user_code);
    });

    it('answers slow_down to a device polling faster than the interval, 5 s more each time, then ends it', async () => {
      const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
      expect(await poll(running.url, clientId, device.device_code)).to.include({ status: 400, error: 'authorization_pending' });
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await poll(running.url, clientId, device.device_code));
      expect(answers.map((a) => a.error)).to.deep.equal(['slow_down', 'slow_down', 'slow_down', 'access_denied']);
      expect(answers.map((a) => a.description?.match(/\d+ seconds/)?.[0])).to.deep.equal(['6 seconds', '11 seconds', '16 seconds', undefined]);
      // Ended for good: later polls, however patient, and the person's code are refused.
      await sleep(1_100);
      expect(await poll(running.url, clientId, device.device_code)).to.include({ status: 400, error: 'access_denied' });
      const page = await enter(new Browser(), device.user_code);
      expect(page.doc.querySelector('#code-error')?.text).to.match(/not valid or has expired/);
    });

    it('leaves a device that keeps to the interval alone, and one that honours slow_down gets its tokens', async () => {
      const user = await addUser(running);
      const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
      for (let i = 0; i < 3; i++) {
        expect(await poll(running.url, clientId, device.device_code), `poll ${i + 1}`).to.include({ error: 'authorization_pending' });
        await sleep(1_050);
      }
      // One poll too soon: slow_down. The device carries on with openid-client's polling at the
      // interval slow_down asked for (1 + 5 s), and is not slowed down again.
      expect(await poll(running.url, clientId, device.device_code)).to.include({ error: 'authorization_pending' });
      expect(await poll(running.url, clientId, device.device_code)).to.include({ error: 'slow_down' });
      const polling = oidc.pollDeviceAuthorizationGrant(config, { ...device, interval: 6 }, undefined, { signal: AbortSignal.timeout(20_000) });
      const browser = new Browser();
      let page = await browser.submit(await enter(browser, device.user_code), {}, 'Continue');
      page = await browser.submit(page, { Email: user.email, Password: PASSWORD }, 'Sign in');
      page = await browser.submit(page, {}, 'Allow');
      expect(page.html).to.include('Device connected');
      const tokens = await polling;
      expect(tokens.access_token).to.be.a('string');
    });
  });
}

describe('device polling across instances', () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await startInstances(2, { DEVICE_POLL_INTERVAL_SECONDS: '2' });
  });
  after(() => deployment.stop());

  function pollOn(instance: string, clientId: string, deviceCode: string): Promise<string | undefined> {
    const target = new URL(instance);
    return new Promise((resolve, reject) => {
      const req = request(
        { host: target.hostname, port: target.port, method: 'POST', path: '/token', headers: { host: new URL(deployment.url).host, 'content-type': 'application/x-www-form-urlencoded' } },
        (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve((JSON.parse(body) as { error?: string }).error));
        },
      );
      req.on('error', reject);
      req.end(new URLSearchParams({ grant_type: DEVICE_CODE, device_code: deviceCode, client_id: clientId }).toString());
    });
  }

  it('slows a device down whichever instance its next poll reaches', async () => {
    const [one, two] = deployment.instances as [Running, Running];
    const { clientId } = await addClient(one, deviceClient);
    const config = await discover({ ...one, url: deployment.url }, clientId);
    const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
    expect(await pollOn(one.url, clientId, device.device_code)).to.equal('authorization_pending');
    expect(await pollOn(two.url, clientId, device.device_code)).to.equal('slow_down');
  });
});
