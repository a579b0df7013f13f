// Latchkey's own pages as people meet them: every page (login, consent, device code entry and
// confirmation, logout, signed out, errors) at 320 px wide in dark and light mode, with axe-core;
// keyboard-only sign-in; an expired sign-in page; error pages that say what happened and what to do.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import {
  addDeviceClient,
  addPerson,
  checkPage,
  expectNoInternals,
  fillLogin,
  screenshot,
  startStack,
  useBrowsers,
  waitForHeading,
  type Stack,
} from './support.ts';

describe('Latchkey pages in Chromium', function () {
  this.timeout(60_000);
  let stack: Stack;
  let device: oidc.Configuration;
  const browsers = useBrowsers();

  before(async () => {
    stack = await startStack();
    device = await addDeviceClient(stack.latchkey);
  });
  after(() => stack?.stop());

  /** Nothing sticks out sideways: the page reflows to the viewport's width. */
  async function expectNoSidewaysScroll(page: Page, name: string) {
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
    expect(scrollWidth, `${name} is wider than the ${innerWidth} px viewport`).to.be.at.most(innerWidth);
  }

  /** The page is drawn in the scheme asked for: dark background under light text, or the reverse. */
  async function expectScheme(page: Page, scheme: 'light' | 'dark') {
    const luminance = await page.evaluate(() => {
      const lum = (color: string) => {
        const [r, g, b] = (color.match(/\d+(\.\d+)?/g) ?? []).map(Number) as [number, number, number];
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const style = getComputedStyle(document.body);
      return { background: lum(style.backgroundColor), text: lum(style.color) };
    });
    if (scheme === 'dark') expect(luminance.background, 'a dark background').to.be.below(luminance.text);
    else expect(luminance.background, 'a light background').to.be.above(luminance.text);
  }

  for (const scheme of ['dark', 'light'] as const) {
    it(`draws every page at 320 px in ${scheme} mode, accessibly and without sideways scrolling`, async () => {
      const { page } = await browsers.launch({ width: 320, colorScheme: scheme });
      const { email, password } = await addPerson(stack.latchkey);
      const visit = async (name: string) => {
        const shot = `narrow-${scheme}-${name}`;
        await checkPage(page, shot);
        await expectNoSidewaysScroll(page, shot);
        await expectScheme(page, scheme);
      };

      await page.goto(`${stack.webapp.url}/login`);
      await waitForHeading(page, 'Sign in');
      await visit('1-login');
      await fillLogin(page, email, 'wrong password');
      await page.getByRole('alert').waitFor();
      await visit('2-login-error');
      await fillLogin(page, email, password);
      await waitForHeading(page, /wants to access your account/);
      await visit('3-consent');
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(`${stack.webapp.url}/`);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await waitForHeading(page, 'Sign out?');
      await visit('4-logout');

      // Logout that no app asked for ends on Latchkey's own "signed out" page.
      await page.goto(`${stack.latchkey.url}/session/end`);
      await waitForHeading(page, 'Sign out?');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await waitForHeading(page, 'You have signed out');
      await visit('5-signed-out');

      const authorization = await oidc.initiateDeviceAuthorization(device, { scope: 'openid' });
      await page.goto(authorization.verification_uri);
      await waitForHeading(page, 'Connect a device');
      await visit('6-device-code');
      await page.getByLabel('Code').fill('NOPE-NOPE');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('alert').waitFor();
      await visit('7-device-code-error');
      await page.getByLabel('Code').fill(authorization.user_code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await waitForHeading(page, /Confirm sign-in/);
      await visit('8-device-confirm');

      await page.goto(`${stack.latchkey.url}/no-such-page`);
      await waitForHeading(page, 'Page not found');
      await visit('9-error-not-found');
    });
  }

  it('signs in with the keyboard alone, with a visible focus at every stop', async () => {
    const { page } = await browsers.launch();
    const { email, password } = await addPerson(stack.latchkey);

    /** Presses Tab until the element with this accessible text has focus; checks the focus ring. */
    async function tabTo(text: string) {
      for (let presses = 0; presses < 15; presses++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          const style = el ? getComputedStyle(el) : undefined;
          return { text: el?.innerText?.trim() ?? '', outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : '' };
        });
        if (focused.text === text) {
          expect(focused.outline, `a visible focus ring on ${text}`).to.not.match(/^none|\b0px/);
          return;
        }
      }
      throw new Error(`Tab never reached “${text}”`);
    }

    await page.goto(stack.webapp.url);
    await tabTo('Sign in');
    await page.keyboard.press('Enter');
    await waitForHeading(page, 'Sign in');
    expect(await page.evaluate(() => document.activeElement?.id), 'the email field has focus on arrival').to.equal('email');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('password');
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');

    await waitForHeading(page, /wants to access your account/);
    await tabTo('Allow');
    await screenshot(page, 'keyboard-1-consent-focus-on-allow');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${stack.webapp.url}/`);
    await waitForHeading(page, /^Signed in as/);

    await tabTo('Sign out');
    await page.keyboard.press('Enter');
    await waitForHeading(page, 'Sign out?');
    await tabTo('Sign out');
    await screenshot(page, 'keyboard-2-logout-focus-on-sign-out');
    await page.keyboard.press('Space');
    await page.waitForURL(`${stack.webapp.url}/`);
    await waitForHeading(page, 'Welcome');
  });

  it('explains an expired sign-in page, and the way back to the app works', async () => {
    const { page } = await browsers.launch();
    const { email, password } = await addPerson(stack.latchkey);
    await page.goto(`${stack.webapp.url}/login`);
    await waitForHeading(page, 'Sign in');

    // The person left the page open past the interaction's lifetime: its record is gone from the
    // store, exactly as when its TTL runs out.
    const uid = new URL(page.url()).pathname.split('/').pop()!;
    const interaction = await stack.latchkey.latchkey.provider().Interaction.find(uid);
    expect(interaction, 'the interaction exists before it expires').to.not.equal(undefined);
    await interaction!.destroy();

    const answer = page.waitForResponse((r) => r.url().endsWith(`/interaction/${uid}/login`));
    await fillLogin(page, email, password);
    expect((await answer).status()).to.equal(400);
    await waitForHeading(page, 'This sign-in page has expired');
    await checkPage(page, 'expired-1-interaction');
    await expectNoInternals(page);
    const text = await page.locator('main').innerText();
    expect(text, 'what happened').to.include('has expired');
    expect(text, 'what to do next').to.include('Go back to the app you were signing in to and start again');
    expect(text).to.include('interaction_expired');

    // The way back: to the app, and sign in again from there.
    await page.goto(stack.webapp.url);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await waitForHeading(page, 'Sign in');
    await fillLogin(page, email, password);
    await waitForHeading(page, /wants to access your account/);
    await page.getByRole('button', { name: 'Allow' }).click();
    await waitForHeading(page, /^Signed in as/);
  });

  it('shows error pages that say what happened and what to do, never internals', async () => {
    const { page } = await browsers.launch();

    const notFound = await page.goto(`${stack.latchkey.url}/no-such-page`);
    expect(notFound?.status()).to.equal(404);
    await waitForHeading(page, 'Page not found');
    await checkPage(page, 'error-1-not-found');
    await expectNoInternals(page);
    expect(await page.locator('main').innerText()).to.include('What you can do');

    // An authorization request from a client Latchkey does not know: oidc-provider's error,
    // drawn by Latchkey's template.
    const unknownClient = new URL(`${stack.latchkey.url}/auth`);
    unknownClient.search = new URLSearchParams({ client_id: 'no-such-app', response_type: 'code', scope: 'openid', redirect_uri: 'https://nowhere.example.test/cb' }).toString();
    const bad = await page.goto(unknownClient.href);
    expect(bad?.status()).to.equal(400);
    await waitForHeading(page, 'This request can’t be completed');
    await checkPage(page, 'error-2-unknown-client');
    await expectNoInternals(page);
    const text = await page.locator('main').innerText();
    expect(text).to.include('invalid_client');
    expect(text).to.include('Go back to the app you came from and start again');

    // A login form posted without its CSRF token (a forged or stale form).
    await page.goto(`${stack.webapp.url}/login`);
    await waitForHeading(page, 'Sign in');
    await page.evaluate(() => document.querySelector<HTMLInputElement>('input[name="_csrf"]')!.remove());
    const refused = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/interaction/'));
    await fillLogin(page, 'someone@example.test', 'whatever');
    expect((await refused).status()).to.equal(403);
    await waitForHeading(page, 'This request can’t be completed');
    await checkPage(page, 'error-3-forged-form');
    await expectNoInternals(page);
    const forged = await page.locator('main').innerText();
    expect(forged).to.include('This form has expired or was not sent by this site');
    expect(forged).to.include('What you can do');
  });
});
