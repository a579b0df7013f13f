// The account console in Chromium, with the example SPA and web app as the person's apps: they see
// both, in words, and remove one (its refresh fails, the other keeps working); they sign another
// browser out (the web app there is told by back-channel logout and signs out too); they change
// the password and sign out everywhere; every console page passes axe at 320 px in light and dark
// mode, and the console works from the keyboard alone.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { waitFor } from '../support/wait.ts';
import { addPerson, API_SCOPE_DESCRIPTION, checkPage, fillLogin, screenshot, startStack, useBrowsers, waitForHeading, type Stack } from './support.ts';

const NEW_PASSWORD = 'a brand new horse battery staple';

describe('account console in Chromium', function () {
  this.timeout(90_000);
  let stack: Stack;
  const browsers = useBrowsers();

  before(async () => {
    stack = await startStack();
  });
  after(() => stack?.stop());

  const consoleUrl = (path = '') => `${stack.latchkey.url}/account${path}`;

  async function signInToSpa(page: Page, email: string, password: string) {
    await page.goto(stack.spa.url);
    await page.locator('body[data-ready]').waitFor();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitForHeading(page, 'Sign in');
    await fillLogin(page, email, password);
    await waitForHeading(page, /wants to access your account/);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${stack.spa.url}/`);
    await page.locator('body[data-ready]').waitFor();
  }

  /** Signs in to the web app; `password` only when this browser is not signed in to Latchkey yet. */
  async function signInToWebapp(page: Page, email: string, password?: string) {
    await page.goto(stack.webapp.url);
    await page.getByRole('link', { name: 'Sign in' }).click();
    if (password) {
      await waitForHeading(page, 'Sign in');
      await fillLogin(page, email, password);
    }
    await waitForHeading(page, /wants to access your account|^Signed in as/);
    if (await page.getByRole('button', { name: 'Allow' }).count()) await page.getByRole('button', { name: 'Allow' }).click();
    await waitForHeading(page, /^Signed in as/);
  }

  const rowOf = (page: Page, name: string) => page.locator('li.row', { has: page.locator('.app-name', { hasText: name }) });

  it('shows both apps in words, removes one: its refresh fails, the other app still works', async () => {
    const { page } = await browsers.launch();
    const { email, password } = await addPerson(stack.latchkey);
    await signInToSpa(page, email, password);
    await signInToWebapp(page, email);

    await page.goto(consoleUrl());
    await waitForHeading(page, 'Your account');
    await checkPage(page, 'account-1-overview');
    await page.getByRole('navigation', { name: 'Your account' }).getByRole('link', { name: 'Apps' }).click();
    await waitForHeading(page, 'Connected apps');
    await checkPage(page, 'account-2-apps');
    for (const name of ['Example SPA', 'Example Web App']) {
      const row = await rowOf(page, name).innerText();
      expect(row, name).to.include(API_SCOPE_DESCRIPTION).and.include('See your email address');
      expect(row, name).to.match(/Last used\s+(just now|\d+ seconds? ago)/);
    }

    await rowOf(page, 'Example SPA').getByRole('button', { name: 'Remove access for Example SPA' }).click();
    await page.getByText('The app no longer has access to your account.').waitFor();
    await checkPage(page, 'account-3-app-removed');
    expect(await page.locator('.app-name').allInnerTexts()).to.deep.equal(['Example Web App']);

    // The SPA's refresh token ended with its access.
    await page.goto(stack.spa.url);
    await page.locator('body[data-ready]').waitFor();
    await page.getByRole('button', { name: 'Refresh tokens now' }).click();
    await page.locator('#error:not([hidden])').waitFor();
    expect(await page.locator('#error').innerText()).to.match(/invalid_grant|signed out|sign in again/i);
    await screenshot(page, 'account-4-spa-refresh-refused');
    // The web app is untouched: still signed in, still allowed to call the API.
    await page.goto(stack.webapp.url);
    await waitForHeading(page, /^Signed in as/);
    await page.getByRole('button', { name: 'Call the API' }).click();
    expect(await page.getByRole('heading', { name: /Example API answered/ }).innerText()).to.equal('Example API answered 200');
  });

  it('signs another browser out: the web app there hears it by back-channel logout; a new password signs out everywhere', async () => {
    const { email, password } = await addPerson(stack.latchkey);
    const phone = await browsers.launch();
    await signInToWebapp(phone.page, email, password);
    const laptop = await browsers.launch();
    await laptop.page.goto(consoleUrl('/sessions'));
    await waitForHeading(laptop.page, 'Sign in');
    await fillLogin(laptop.page, email, password);
    await waitForHeading(laptop.page, 'Where you are signed in');
    await checkPage(laptop.page, 'account-5-sessions');
    const other = laptop.page.locator('li.row', { hasText: 'Example Web App' });
    await other.getByRole('button', { name: 'Sign out this session' }).click();
    await laptop.page.getByText('That session is signed out.').waitFor();

    // The web app in the phone's browser was told, verified Latchkey's logout token, and ended its session.
    await waitFor(async () => stack.webapp.output(), (out) => out.includes('back-channel logout, 1 session(s) ended'), { what: 'the web app ending its session' });
    await phone.page.goto(stack.webapp.url);
    await phone.page.getByRole('link', { name: 'Sign in' }).waitFor();
    await phone.page.goto(consoleUrl());
    await waitForHeading(phone.page, 'Sign in');

    // Signed in again on the phone; then the laptop changes the password, signing out everywhere else.
    await signInToWebapp(phone.page, email, password);
    await laptop.page.goto(consoleUrl('/password'));
    await waitForHeading(laptop.page, 'Change your password');
    await checkPage(laptop.page, 'account-6-password');
    await laptop.page.getByLabel('Current password').fill(password);
    await laptop.page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await laptop.page.getByLabel('New password, again').fill(NEW_PASSWORD);
    expect(await laptop.page.getByLabel(/Also sign out everywhere else/).isChecked(), 'ticked by default').to.equal(true);
    await laptop.page.getByRole('button', { name: 'Change password' }).click();
    await laptop.page.getByText(/Your password is changed\. Signed out of 1 other session/).waitFor();
    await checkPage(laptop.page, 'account-7-password-changed');
    await phone.page.goto(consoleUrl());
    await waitForHeading(phone.page, 'Sign in');
    await fillLogin(phone.page, email, NEW_PASSWORD);
    await waitForHeading(phone.page, 'Your account');
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`passes axe on every console page at 320 px in ${colorScheme} mode`, async () => {
      const { page } = await browsers.launch({ width: 320, colorScheme });
      const { email, password } = await addPerson(stack.latchkey);
      await signInToWebapp(page, email, password);
      for (const [path, heading] of [['', 'Your account'], ['/apps', 'Connected apps'], ['/sessions', 'Where you are signed in'], ['/activity', 'Security activity'], ['/password', 'Change your password'], ['/help', 'Help']] as const) {
        await page.goto(consoleUrl(path));
        await waitForHeading(page, heading);
        await checkPage(page, `account-320-${colorScheme}${path.replace('/', '-') || '-overview'}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${path || '/'} scrolls sideways at 320 px`).to.be.at.most(0);
      }
    });
  }

  it('works from the keyboard alone: to Apps, and remove an app', async () => {
    const { page } = await browsers.launch();
    const { email, password } = await addPerson(stack.latchkey);
    await signInToWebapp(page, email, password);
    await page.goto(consoleUrl());
    await waitForHeading(page, 'Your account');
    const focused = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText?.trim() ?? '');
    const tabTo = async (text: string) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        if ((await focused()) === text) return;
      }
      throw new Error(`Tab never reached "${text}"`);
    };
    await tabTo('Apps');
    await page.keyboard.press('Enter');
    await waitForHeading(page, 'Connected apps');
    await tabTo('Remove access for Example Web App');
    await page.keyboard.press('Enter');
    await page.getByText('The app no longer has access to your account.').waitFor();
    expect(await page.locator('.app-name').count()).to.equal(0);
  });
});
