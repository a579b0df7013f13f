// The example web app (examples/webapp, openid-client, a confidential client) in Chromium against
// a real Latchkey: a wrong password then the right one, consent, the app's page with the ID token's
// claims, the example API accepting the app's JWT access token, and sign-out.
import { expect } from 'chai';
import {
  addPerson,
  API_SCOPE,
  API_SCOPE_DESCRIPTION,
  checkPage,
  fillLogin,
  screenshot,
  startStack,
  useBrowsers,
  waitForHeading,
  WEBAPP_CLIENT,
  type Stack,
} from './support.ts';

describe('example web app in Chromium', function () {
  this.timeout(60_000);
  let stack: Stack;
  const browsers = useBrowsers();

  before(async () => {
    stack = await startStack();
  });
  after(() => stack?.stop());

  it('signs in after a wrong password, shows the ID token claims, calls the API with a JWT, and signs out', async () => {
    const { page } = await browsers.launch();
    const { email, password } = await addPerson(stack.latchkey);

    await page.goto(stack.webapp.url);
    await screenshot(page, 'webapp-0-home');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await waitForHeading(page, 'Sign in');
    await checkPage(page, 'webapp-1-login');
    expect(await page.locator('main').innerText(), 'the login page names the app and its host').to.include(new URL(stack.webapp.url).host);

    await fillLogin(page, email, 'not the password');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    await checkPage(page, 'webapp-2-login-wrong-password');
    expect(await alert.innerText()).to.equal('Incorrect email or password.');
    expect(await page.getByLabel('Email').inputValue(), 'the email is kept').to.equal(email);
    expect(await page.getByLabel('Password').inputValue(), 'the password is not').to.equal('');
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).to.equal('true');

    await fillLogin(page, email, password);
    await waitForHeading(page, /wants to access your account/);
    await checkPage(page, 'webapp-3-consent');
    const consent = await page.locator('main').innerText();
    expect(consent).to.include(new URL(stack.webapp.url).host);
    expect(consent, 'the API the app asks to use, by its name and identifier').to.include(`Example API (${stack.api.url})`);
    expect(consent, 'the scope in the words the API was registered with').to.include(API_SCOPE_DESCRIPTION);
    await page.getByRole('button', { name: 'Allow' }).click();

    await page.waitForURL(`${stack.webapp.url}/`);
    await waitForHeading(page, /^Signed in as Grace Hopper/);
    const claims = await page.getByRole('table', { name: 'ID token claims' }).innerText();
    // Latchkey puts the claims of the granted scopes in the ID token (ID_TOKEN_CLAIMS=scopes).
    expect(claims).to.include(email);
    expect(claims).to.include(WEBAPP_CLIENT);
    await checkPage(page, 'webapp-4-signed-in');

    await page.getByRole('button', { name: 'Call the API' }).click();
    await page.locator('#api-result').waitFor();
    await screenshot(page, 'webapp-5-api-called');
    expect(await page.getByRole('heading', { name: /Example API answered/ }).innerText()).to.equal('Example API answered 200');
    const api = JSON.parse(await page.locator('#api-result').innerText()) as Record<string, unknown>;
    expect(api.token_format).to.equal('jwt');
    expect(api.checked_by).to.equal('signature (JWKS)');
    expect(api.client_id).to.equal(WEBAPP_CLIENT);
    expect(api.scope).to.deep.equal([API_SCOPE]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await waitForHeading(page, 'Sign out?');
    await checkPage(page, 'webapp-6-logout');
    expect(await page.locator('main').innerText()).to.include('Example Web App');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${stack.webapp.url}/`);
    await waitForHeading(page, 'Welcome');
    await screenshot(page, 'webapp-7-signed-out');

    // Latchkey's session is over too.
    await page.getByRole('link', { name: 'Sign in' }).click();
    await waitForHeading(page, 'Sign in');
    expect(await page.getByLabel('Password').isVisible()).to.equal(true);
  });

  it('tells the person the app got access_denied when they deny consent', async () => {
    const { page } = await browsers.launch();
    const { email, password } = await addPerson(stack.latchkey);
    await page.goto(`${stack.webapp.url}/login`);
    await waitForHeading(page, 'Sign in');
    await fillLogin(page, email, password);
    await waitForHeading(page, /wants to access your account/);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(`${stack.webapp.url}/callback?**`);
    await waitForHeading(page, 'Not signed in');
    await screenshot(page, 'webapp-8-access-denied');
    expect(await page.locator('#error-code').innerText()).to.equal('access_denied');
    expect(await page.getByRole('alert').innerText()).to.equal('You did not allow this app to access your account.');
  });

  it('takes the person back to the app from the login page’s Cancel link; the app hears access_denied', async () => {
    const { page } = await browsers.launch();
    await page.goto(`${stack.webapp.url}/login`);
    await waitForHeading(page, 'Sign in');
    await page.getByRole('link', { name: 'Cancel and go back to Example Web App' }).click();
    await page.waitForURL(`${stack.webapp.url}/callback?**`);
    await waitForHeading(page, 'Not signed in');
    expect(await page.locator('#error-code').innerText()).to.equal('access_denied');
  });
});
