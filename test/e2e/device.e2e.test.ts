// The device authorization grant (RFC 8628) with a real browser: the device (openid-client here)
// shows a code; a person, in a browser of their own, enters it (wrongly first), confirms, signs in
// and consents; the device's polling then yields tokens.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addDeviceClient, addPerson, checkPage, fillLogin, useBrowsers, waitForHeading } from './support.ts';

describe('device flow in Chromium', function () {
  this.timeout(60_000);
  let running: Running;
  let config: oidc.Configuration;
  const browsers = useBrowsers();

  before(async () => {
    running = await startLatchkey();
    config = await addDeviceClient(running, { refreshTokens: true });
  });
  after(() => running?.stop());

  it('gives the device tokens once a person enters the code in another browser, confirms, signs in and consents', async () => {
    const { email, password } = await addPerson(running);
    const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid email offline_access' });

    const { page } = await browsers.launch();
    await page.goto(device.verification_uri);
    await waitForHeading(page, 'Connect a device');
    await checkPage(page, 'device-1-code-entry');

    await page.getByLabel('Code').fill('WRONG-CODE');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').waitFor();
    await checkPage(page, 'device-2-code-wrong');
    expect(await page.getByRole('alert').innerText()).to.match(/not valid or has expired/);
    expect(await page.getByLabel('Code').getAttribute('aria-invalid')).to.equal('true');

    await page.getByLabel('Code').fill(device.user_code);
    await page.getByRole('button', { name: 'Continue' }).click();
    await waitForHeading(page, /Confirm sign-in for Living Room TV/);
    await checkPage(page, 'device-3-confirm');
    expect(await page.locator('.code').innerText()).to.equal(device.user_code);
    await page.getByRole('button', { name: 'Continue' }).click();

    await waitForHeading(page, 'Sign in');
    await fillLogin(page, email, password);
    await waitForHeading(page, /wants to access your account/);
    await checkPage(page, 'device-4-consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await waitForHeading(page, 'Device connected');
    await checkPage(page, 'device-5-connected');
    expect(await page.locator('main').innerText()).to.include('Living Room TV');

    // The device was polling all along; the person has acted, so it need not wait 5 s between polls.
    const tokens = await oidc.pollDeviceAuthorizationGrant(config, { ...device, interval: 0.01 }, undefined, { signal: AbortSignal.timeout(10_000) });
    expect(tokens.refresh_token).to.be.a('string');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(info.email).to.equal(email);
  });
});
