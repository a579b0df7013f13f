// Passkeys in Chromium, with its virtual authenticator (the DevTools protocol's WebAuthn domain):
// a person adds a passkey from the account console; then, in another browser holding the same
// passkey, signs in to an app without a password (amr swk+mfa), and, with the password, uses the
// passkey as the second step (amr pwd+swk+mfa). The sign-in page's script is served under the
// strict CSP (no inline script), and no CSP violation is reported. WebAuthn needs a domain as its
// relying party id, so this Latchkey's issuer is http://localhost:PORT.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import type { CDPSession, Page } from 'playwright-core';
import { ACR_MFA } from '../../config/authentication.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, REDIRECT_URI } from '../support/oidc.ts';
import { addPerson, checkPage, fillLogin, useBrowsers, waitForHeading } from './support.ts';

async function virtualAuthenticator(page: Page, automaticPresenceSimulation = true): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation },
  });
  return { cdp, authenticatorId };
}

describe('passkeys in Chromium', function () {
  this.timeout(90_000);
  let running: Running;
  const browsers = useBrowsers();
  before(async () => {
    running = await startLatchkey({ issuer: (url) => url.replace('127.0.0.1', 'localhost') });
  });
  after(() => running?.stop());

  const violations: string[] = [];
  const watch = (page: Page) =>
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });

  it('adds a passkey from the console, signs in with it alone, and uses it as the second step after a password', async () => {
    const issuer = running.config.issuer;
    const { email, password } = await addPerson(running);
    const { clientId, secret } = await addClient(running);
    const config = await oidc.discovery(new URL(issuer), clientId, secret, oidc.ClientSecretBasic(secret!), { execute: [oidc.allowInsecureRequests] });

    // 1. The console: a fresh sign-in, then "Make the passkey".
    const laptop = await browsers.launch();
    watch(laptop.page);
    const first = await virtualAuthenticator(laptop.page);
    await laptop.page.goto(`${issuer}/account/security/passkeys/new`);
    await waitForHeading(laptop.page, 'Sign in');
    await fillLogin(laptop.page, email, password);
    await waitForHeading(laptop.page, 'Add a passkey');
    await checkPage(laptop.page, 'passkey-1-add');
    await laptop.page.getByLabel('Name it, so you know it later').fill('Laptop');
    await laptop.page.getByRole('button', { name: 'Make the passkey' }).click();
    await waitForHeading(laptop.page, 'Second factor');
    await laptop.page.getByText('Your passkey is added').waitFor();
    expect(await laptop.page.locator('#passkeys').innerText()).to.include('Laptop');
    await checkPage(laptop.page, 'passkey-2-listed');
    const { credentials } = await first.cdp.send('WebAuthn.getCredentials', { authenticatorId: first.authenticatorId });
    expect(credentials).to.have.length(1);
    expect(credentials[0]!.isResidentCredential, 'a discoverable credential').to.equal(true);

    /** Another browser holding the same passkey (as a synced passkey would be). */
    // Each copy counts its own signatures; Latchkey refuses a counter that does not grow (a cloned
    // key), so each copy starts past the uses of the one before.
    let copies = 0;
    async function holder(presence: boolean) {
      const person = await browsers.launch();
      watch(person.page);
      const authenticator = await virtualAuthenticator(person.page, presence);
      await authenticator.cdp.send('WebAuthn.addCredential', { authenticatorId: authenticator.authenticatorId, credential: { ...credentials[0]!, signCount: credentials[0]!.signCount + 100 * ++copies } });
      await person.page.route(`${new URL(REDIRECT_URI).origin}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>RP</title><h1>Back at the app</h1>' }));
      return { page: person.page, ...authenticator };
    }

    async function authorize(page: Page, how: 'autofill' | 'password then passkey', present?: () => Promise<unknown>) {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, prompt: 'login' });
      await page.goto(url.href);
      if (how === 'password then passkey') {
        await waitForHeading(page, 'Sign in');
        expect(await page.getByRole('button', { name: 'Sign in with a passkey' }).isVisible()).to.equal(true);
        await checkPage(page, 'passkey-3-login');
        await fillLogin(page, email, password);
        await waitForHeading(page, 'Confirm it is you');
        await checkPage(page, 'passkey-4-second-step');
        await present!();
        await page.getByRole('button', { name: 'Use your passkey' }).click();
      }
      // With "autofill", nothing is pressed: the sign-in page's conditional request (the email
      // field's passkey autofill) is answered by the authenticator, as a person picking it would.
      await page.waitForURL((u) => u.href.startsWith(REDIRECT_URI) || u.pathname.startsWith('/interaction/'));
      if (!page.url().startsWith(REDIRECT_URI)) {
        await waitForHeading(page, /wants to access your account/);
        await page.getByRole('button', { name: 'Allow' }).click();
        await page.waitForURL((u) => u.href.startsWith(REDIRECT_URI));
      }
      return (await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state })).claims()!;
    }

    const phone = await holder(true);
    const alone = await authorize(phone.page, 'autofill');
    expect(alone.amr).to.deep.equal(['swk', 'mfa']);
    expect(alone.acr).to.equal(ACR_MFA);
    // A browser whose person is not at the authenticator until the second step: the autofill
    // request waits, the password is typed, then the passkey is used on the second page.
    const desk = await holder(false);
    const withPassword = await authorize(desk.page, 'password then passkey', () => desk.cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: desk.authenticatorId, enabled: true }));
    expect(withPassword.amr).to.deep.equal(['pwd', 'swk', 'mfa']);
    expect(violations, 'no CSP violations').to.deep.equal([]);
  });
});
